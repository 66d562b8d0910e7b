#!/bin/sh
# Installs Debian's Chromium and ChromeDriver for the browser tests (com.lawyerllama.web),
# only when one of them is missing. The tests never let Selenium download a browser or driver.
# Run by Maven (exec-maven-plugin, process-test-classes) before the tests; needs root to install.
set -eu
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "install-browser.sh: /usr/bin/chromium or /usr/bin/chromedriver is missing and this is not root;" >&2
    echo "  install them with: sudo apt-get install -y chromium chromium-driver" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends chromium chromium-driver
