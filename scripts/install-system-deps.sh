#!/usr/bin/env bash
# Installs the Debian packages that the test suite needs:
#  - chromium (+ driver): the e2e browser; it also ships the SwiftShader Vulkan ICD
#  - mesa-vulkan-drivers >= 23 from bookworm-backports: lavapipe, the software Vulkan driver
#    that Dawn (npm package `webgpu`) accepts (bookworm's own 22.3 is rejected by Dawn)
#  - vulkan-tools: vulkaninfo, for diagnosing a missing adapter
# Idempotent; run as root (or with sudo) on Debian bookworm.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
if ! grep -rqs "${codename}-backports" /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null; then
  echo "deb http://deb.debian.org/debian ${codename}-backports main" | $SUDO tee /etc/apt/sources.list.d/backports.list >/dev/null
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends -t "${codename}-backports" mesa-vulkan-drivers libvulkan1 >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends vulkan-tools >/dev/null || true
echo "system deps: chromium $(chromium --version 2>/dev/null | awk '{print $2}'), mesa $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
