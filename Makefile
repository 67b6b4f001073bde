# Shortcuts; the README's two commands are ./run.sh and ./test.sh (no make needed).
.PHONY: run test lint screenshot build bench

run:
	./run.sh

test:
	./test.sh

lint:
	.venv/bin/ruff check .

screenshot:
	./bootstrap.sh
	QT_QPA_PLATFORM=offscreen .venv/bin/python main.py --screenshot screenshots/main_window.png

build:
	./build.sh

bench:
	QT_QPA_PLATFORM=offscreen .venv/bin/python bench/run_all.py
