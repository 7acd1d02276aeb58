# Every target installs what it needs itself, idempotently, on a fresh machine.
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install -q --disable-pip-version-check
export DEBIAN_FRONTEND := noninteractive

.PHONY: demo app test lab bench notebooks screenshots lint install install-test graphviz chromium clean

demo: install graphviz
	$(VENV)/bin/explorer

test: install-test graphviz chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q

# the explorer as a web page (Voila) on this machine: prints its address
APP_PORT ?= 8866
APP_THEME ?= light
APP_ARGS ?=
app: install graphviz
	$(PY) app/serve.py --port $(APP_PORT) --theme $(APP_THEME) $(APP_ARGS)

# as root (a container, a lab machine) Jupyter wants --allow-root
lab: install
	$(VENV)/bin/jupyter lab $$([ "$$(id -u)" = 0 ] && echo --allow-root) notebooks/00_tour.ipynb

bench: install-test graphviz
	$(PY) tests/benchmarks/run_all.py

# the notebooks are generated from notebooks/src/*.py: edit those, then run this
notebooks: install
	$(PY) notebooks/build.py

# refresh docs/screenshots: every panel and notebook photographed in JupyterLab
screenshots: install-test graphviz chromium
	SCREENSHOTS=docs/screenshots $(PY) -m pytest -q tests/e2e
	$(PY) notebooks/screenshots.py

lint: install-test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(PY):
	python3 -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) -e '.[test]'
	touch $@

# Debian's packages: installed when missing and we are root, else say what to do.
graphviz:
	@command -v dot >/dev/null || { \
	  [ "$$(id -u)" = 0 ] || { echo "graphviz's 'dot' is missing: install it (sudo apt-get install graphviz)"; exit 1; }; \
	  apt-get update -qq && apt-get install -y -qq graphviz >/dev/null; }

chromium:
	@test -x /usr/bin/chromium || { \
	  [ "$$(id -u)" = 0 ] || { echo "Chromium is missing: install it (sudo apt-get install chromium)"; exit 1; }; \
	  apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf $(VENV) out .pytest_cache *.egg-info
