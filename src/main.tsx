import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import './ui/styles.css';
import { gpuWorker } from './worker/client';

// A console handle for power users and the e2e tests: window.ivadomedWeb.gpu.saxpy(2, [1], [3]).
(window as unknown as { ivadomedWeb: unknown }).ivadomedWeb = { gpu: gpuWorker() };

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
