# The two quick-start commands. Everything else lives in scripts/.
.PHONY: run test lint

run:  ## set up and run the service with embedded defaults
	./scripts/run.sh

test:  ## set up and run the whole test suite
	./scripts/test.sh

lint:
	.venv/bin/ruff check . && .venv/bin/mypy
