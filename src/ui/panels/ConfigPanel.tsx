/** The Configuration tab: forms for every section of ivadomed's config.json (work in progress). */
export function ConfigPanel() {
  return (
    <section className="panel config-panel" aria-label="Configuration">
      <div className="panel-head">
        <h2>Configuration</h2>
      </div>
    </section>
  );
}
