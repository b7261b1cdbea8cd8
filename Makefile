# The two set-up commands are `make run` and `make test`; both create .venv as needed.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Kivy under a virtual X server with Mesa's software GL (llvmpipe); PostgreSQL, Chromium and nginx for
# the central service's tests; LibreOffice (recalculates the workbooks) and poppler (reads the PDFs);
# xwininfo, xdotool and a window manager for the full-screen tests (real X clicks, with and without a WM);
# Liberation Serif, the Times-metric font the II.7 workbook is printed with (LibreOffice falls back to
# DejaVu Serif without it, and the printed layout changes).
SYSTEM_PACKAGES := xvfb xauth libgl1-mesa-dri libgl1 postgresql nginx-light chromium chromium-driver \
                   libreoffice-calc-nogui poppler-utils x11-utils xdotool matchbox-window-manager \
                   zbar-tools fonts-liberation2
# libfaketime: the clock tests run a kiosk 25 years behind, and set its clock back while it runs.
SYSTEM_PACKAGES += faketime
# espeak-ng: the spoken prompts' engine (a centre's own texts; tests/test_speech.py renders with it).
SYSTEM_PACKAGES += espeak-ng

.PHONY: install run test test-slow bench soak system-packages clean central install-kiosk axe-core

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@echo "First install: making $(VENV) and installing the kiosk's and the service's packages (Kivy, Django, ...)."
	@echo "This takes two or three minutes and prints little meanwhile; later runs start at once."
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[kiosk,central,test]'
	@touch $@

system-packages:
	@scripts/ensure-system-packages.sh $(SYSTEM_PACKAGES)

# axe-core, the accessibility engine the browser tests inject into every page (tests/a11y.py): fetched
# from the npm registry once, into build/ (not committed; MPL-2.0), so the tests never need the internet.
AXE_VERSION := 4.10.3
AXE_JS      := build/axe-core/axe.min.js
axe-core: $(AXE_JS)

$(AXE_JS):
	@command -v npm >/dev/null || scripts/ensure-system-packages.sh npm
	mkdir -p build/axe-core
	cd build/axe-core && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null \
	  && tar -xzf axe-core-$(AXE_VERSION).tgz --strip-components=1 package/axe.min.js package/LICENSE \
	  && rm axe-core-$(AXE_VERSION).tgz

run: install
	$(PY) main.py run --windowed

test: install system-packages axe-core
	xvfb-run -a -s "-screen 0 1280x800x24" $(PY) -m pytest -q $(PYTEST_ARGS)

test-slow: install system-packages
	xvfb-run -a -s "-screen 0 1280x800x24" $(PY) -m pytest -q -m slow $(PYTEST_ARGS)

bench: install system-packages
	xvfb-run -a -s "-screen 0 1920x1920x24" $(PY) bench/run_all.py

# The soak (not part of `make test`): the headless kiosk, simulated button boxes and the central service on
# PostgreSQL for SOAK_MINUTES (default 30) under kill -9, network cuts and a clock jump (libfaketime);
# prints the figures and writes build/soak/summary.json (docs/operations.md, "Soak").
soak: install system-packages
	$(PY) -m soak

# The central service as a demo on the embedded SQLite database: sample communes, kiosks and votes;
# prints where to log in and the demo accounts.
central: install
	$(PY) -m central.democli

# On a kiosk, as root: deploy/install-kiosk (only the kiosk's packages, never the service's or the tests').
install-kiosk:
	deploy/install-kiosk --config $(CONFIG) --screen $(or $(SCREEN),cage)

clean:
	rm -rf $(VENV) build .pytest_cache
