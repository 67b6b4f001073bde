# The two commands of the README. Both set up everything they need on a fresh Debian/Ubuntu.
.PHONY: run test lint screenshot build

run:
	./bootstrap.sh
	./run.sh

test:
	./bootstrap.sh
	QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q

lint:
	.venv/bin/ruff check .

screenshot:
	./bootstrap.sh
	QT_QPA_PLATFORM=offscreen .venv/bin/python main.py --screenshot screenshots/main_window.png

build:
	./bootstrap.sh
	.venv/bin/python -m pip install -q pyinstaller==6.22.3
	.venv/bin/pyinstaller --noconfirm build.spec
