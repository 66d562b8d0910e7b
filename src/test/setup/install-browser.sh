#!/bin/sh
# Installs Debian's Chromium and ChromeDriver for the browser tests (com.lawyerllama.web),
# only when one of them is missing. The tests never let Selenium download a browser or driver.
# Run by Maven (exec-maven-plugin, process-test-classes) before the tests; needs root to install.
set -eu
# Chinese fonts too: without them the pages (and their screenshots) show empty boxes.
has_cjk_font() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null)" ]; }
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && has_cjk_font; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "install-browser.sh: chromium, chromium-driver or a Chinese font is missing and this is not root;" >&2
    echo "  install them with: sudo apt-get install -y chromium chromium-driver fonts-noto-cjk" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends chromium chromium-driver fonts-noto-cjk fontconfig
