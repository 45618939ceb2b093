# ngx_http_predict_module
#
#   make          build build/ngx_http_predict_module.so against the installed
#                 nginx (Debian's nginx-dev, the binary's own configure flags)
#   make deps     install the Debian packages the project needs (idempotent)
#   make test     deps, build, unit tests and the nginx test suite
#   make demo     deps, build, train the wine model and serve it on
#                 127.0.0.1:8080 in the foreground
#   make bench    the module against return 200, Flask and FastAPI
#   make lint     80 columns, no tabs, no trailing blanks
#
# Variables: NGX_SRC (nginx-dev source tree), NGINX (binary), BUILD.

SHELL := /bin/bash

BUILD    ?= $(CURDIR)/build
NGX_SRC  ?= /usr/share/nginx/src
NGINX    ?= /usr/sbin/nginx
PYTHON   ?= /usr/bin/python3

MODULE   := $(BUILD)/ngx_http_predict_module.so
NGX_OBJS := $(BUILD)/nginx
CLANG_OBJS := $(BUILD)/nginx-clang
FIXTURES := $(BUILD)/fixtures

CORE_SRCS := $(wildcard src/pm_*.c)
CORE_HDRS := $(wildcard src/pm_*.h)
UNIT_SRCS := $(wildcard t/unit/*.c)
TOOL_SRCS := $(wildcard src/tools/*.c)

SVM_INC  := /usr/include/libsvm
CC_WARN  := -W -Wall -Wpointer-arith -Wno-unused-parameter -Werror
CC_OPT   := -g -O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2 -Wformat \
            -Werror=format-security
SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
            -fno-omit-frame-pointer
LIBS     := -ljansson -lsvm -lm

DEB_PKGS := nginx nginx-dev libjansson-dev libsvm-dev libsvm-tools \
            gnuplot-nox wrk valgrind clang libclang-rt-14-dev \
            python3-sklearn python3-libsvm perl curl gcc make \
            python3-flask gunicorn python3-fastapi uvicorn \
            python3-httptools python3-uvloop

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps module module-clang module-asan unit tools fixtures test \
        prove prove-asan prove-valgrind test-asan test-valgrind fuzz \
        fuzzers demo bench \
        lint clean

all: module tools

# --- packages ---------------------------------------------------------------

deps:
	@missing=$$(for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	        | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "make deps: installing" $$missing; \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q \
	        && $(SUDO) env DEBIAN_FRONTEND=noninteractive \
	            apt-get install -y -q --no-install-recommends $$missing; \
	else \
	    echo "make deps: all packages present"; \
	fi

# --- the module -------------------------------------------------------------

# configure once per change of `config`; it writes only under $(NGX_OBJS)
$(NGX_OBJS)/Makefile: config
	@test -x $(NGX_SRC)/configure || { echo "$(NGX_SRC) is missing:" \
	    "run 'make deps' (Debian: nginx-dev)"; exit 1; }
	@mkdir -p $(NGX_OBJS)
	cd $(NGX_SRC) && . ./conf_flags && ./configure \
	    "$${NGX_CONF_FLAGS[@]}" --with-cc-opt="$(CC_OPT)" \
	    --add-dynamic-module=$(CURDIR) --builddir=$(NGX_OBJS) \
	    > $(NGX_OBJS)/configure.log 2>&1 \
	    || { tail -20 $(NGX_OBJS)/configure.log; exit 1; }

$(MODULE): $(NGX_OBJS)/Makefile ngx_http_predict_module.c $(CORE_SRCS) \
           $(CORE_HDRS)
	$(MAKE) -s -f $(NGX_OBJS)/Makefile -C $(NGX_SRC) modules
	@# never overwrite a loaded .so in place: a running nginx maps it
	cp $(NGX_OBJS)/ngx_http_predict_module.so $@.tmp && mv -f $@.tmp $@

module: $(MODULE)

# the same module with clang, whose warnings differ (-Werror either way)
$(CLANG_OBJS)/Makefile: config
	@mkdir -p $(CLANG_OBJS)
	cd $(NGX_SRC) && . ./conf_flags && ./configure --with-cc=clang \
	    "$${NGX_CONF_FLAGS[@]}" --with-cc-opt="-g -O2" \
	    --add-dynamic-module=$(CURDIR) --builddir=$(CLANG_OBJS) \
	    > $(CLANG_OBJS)/configure.log 2>&1 \
	    || { tail -20 $(CLANG_OBJS)/configure.log; exit 1; }

module-clang: $(CLANG_OBJS)/Makefile
	$(MAKE) -s -f $(CLANG_OBJS)/Makefile -C $(NGX_SRC) modules
	clang $(CC_WARN) -Wextra -Wconditional-uninitialized -fsyntax-only \
	    -Isrc -I$(SVM_INC) $(TOOL_SRCS)

# ASan + UBSan: the module built by clang with the sanitizers, loaded into
# Debian's own nginx with the sanitizer runtime preloaded (t/lib sets
# LD_PRELOAD and ASAN_OPTIONS when PREDICT_ASAN=1).  Globals are not
# instrumented: the module's generated ngx_modules[] is interposed by the
# binary's, and ASan would poison the binary's array past the module's 16
# bytes (a false global-buffer-overflow in ngx_cycle_modules at reload).
# The unit tests build src/ with globals instrumented.
ASAN_OBJS   := $(BUILD)/nginx-asan
ASAN_MODULE := $(BUILD)/asan/ngx_http_predict_module.so
ASAN_CC_OPT := -O1 -g -fsanitize=address,undefined \
               -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
               -fno-sanitize=nonnull-attribute -mllvm -asan-globals=0

$(ASAN_OBJS)/Makefile: config
	@mkdir -p $(ASAN_OBJS)
	cd $(NGX_SRC) && . ./conf_flags && ./configure --with-cc=clang \
	    "$${NGX_CONF_FLAGS[@]}" --with-cc-opt="$(ASAN_CC_OPT)" \
	    --with-ld-opt="-fsanitize=address,undefined" \
	    --add-dynamic-module=$(CURDIR) --builddir=$(ASAN_OBJS) \
	    > $(ASAN_OBJS)/configure.log 2>&1 \
	    || { tail -20 $(ASAN_OBJS)/configure.log; exit 1; }

$(ASAN_MODULE): $(ASAN_OBJS)/Makefile ngx_http_predict_module.c \
                $(CORE_SRCS) $(CORE_HDRS)
	$(MAKE) -s -f $(ASAN_OBJS)/Makefile -C $(NGX_SRC) modules
	@mkdir -p $(BUILD)/asan
	cp $(ASAN_OBJS)/ngx_http_predict_module.so $@.tmp && mv -f $@.tmp $@

module-asan: $(ASAN_MODULE)

# --- core library: tools and unit tests -------------------------------------

$(BUILD)/predict-scale: src/tools/predict_scale.c $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(CC_WARN) $(CC_OPT) -Isrc -I$(SVM_INC) -o $@ \
	    src/tools/predict_scale.c $(CORE_SRCS) $(LIBS)

$(BUILD)/predict-train: src/tools/predict_train.c $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(CC_WARN) $(CC_OPT) -pthread -Isrc -I$(SVM_INC) -o $@ \
	    src/tools/predict_train.c $(CORE_SRCS) $(LIBS)

$(BUILD)/predict-run: src/tools/predict_run.c $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(CC_WARN) $(CC_OPT) -Isrc -I$(SVM_INC) -o $@ \
	    src/tools/predict_run.c $(CORE_SRCS) $(LIBS)

$(BUILD)/predict-bench: src/tools/predict_bench.c $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(CC_WARN) $(CC_OPT) -Isrc -I$(SVM_INC) -o $@ \
	    src/tools/predict_bench.c $(CORE_SRCS) $(LIBS)

tools: $(BUILD)/predict-scale $(BUILD)/predict-train $(BUILD)/predict-run \
       $(BUILD)/predict-bench

# ASan + UBSan, with clang's extra warnings
$(BUILD)/unit/pm-unit: $(UNIT_SRCS) $(wildcard t/unit/*.h) $(CORE_SRCS) \
                       $(CORE_HDRS)
	@mkdir -p $(BUILD)/unit
	clang $(CC_WARN) -Wextra -Wconditional-uninitialized -g -O1 $(SAN) \
	    -Isrc -I$(SVM_INC) -It/unit -o $@ $(UNIT_SRCS) $(CORE_SRCS) $(LIBS)

unit: $(BUILD)/unit/pm-unit

# --- fuzzing: libFuzzer on src/ entry points --------------------------------

FUZZ_TARGETS := request model scale spec csv dtoa
FUZZERS      := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_SECONDS ?= 60

$(BUILD)/fuzz/fuzz_%: t/fuzz/fuzz_%.c t/fuzz/fuzz.h $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(BUILD)/fuzz
	clang -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	    -DPM_FUZZ_DATA='"$(CURDIR)/t/fuzz/data"' -Isrc -I$(SVM_INC) \
	    -It/fuzz -o $@ $< $(CORE_SRCS) $(LIBS)

fuzzers: $(FUZZERS)

# FUZZ_SECONDS per target; new inputs go to build/fuzz/corpus, failures to
# build/fuzz/crashes (make fuzz FUZZ_SECONDS=3600 for a long run)
fuzz: deps
	$(MAKE) fuzzers
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(BUILD)/fuzz/corpus/$$t $(BUILD)/fuzz/crashes/$$t; \
	    echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
	    $(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
	        -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
	        -dict=t/fuzz/json.dict \
	        -artifact_prefix=$(BUILD)/fuzz/crashes/$$t/ \
	        $(BUILD)/fuzz/corpus/$$t t/fuzz/corpus/$$t \
	        2> $(BUILD)/fuzz/$$t.log \
	    || { tail -40 $(BUILD)/fuzz/$$t.log; exit 1; }; \
	    grep -E 'stat::number_of_executed_units|cov:' \
	        $(BUILD)/fuzz/$$t.log | tail -2; \
	done

# --- fixtures: real data, real libsvm tools ---------------------------------

$(FIXTURES)/.done: t/data/make-fixtures.sh t/data/sklearn_dump.py \
                   t/data/sklearn_parity.py tools/sklearn_export.py \
                   t/data/heart_scale $(BUILD)/predict-train
	rm -rf $(FIXTURES)
	PREDICT_TOOLS=$(BUILD) t/data/make-fixtures.sh $(FIXTURES) \
	    2> $(BUILD)/fixtures.log \
	    || { cat $(BUILD)/fixtures.log; exit 1; }
	touch $@

fixtures: $(FIXTURES)/.done

# --- tests ------------------------------------------------------------------

test: deps
	$(MAKE) prove prove-asan prove-valgrind

test-asan: deps
	$(MAKE) prove-asan

# the whole suite again, the module built with ASan and UBSan
prove-asan: all module-asan unit fuzzers fixtures
	PREDICT_ASAN=1 PREDICT_MODULE_SO=$(ASAN_MODULE) \
	PREDICT_FIXTURES=$(FIXTURES) PREDICT_UNIT=$(BUILD)/unit/pm-unit \
	PREDICT_TOOLS=$(BUILD) prove -r t

prove: all module-clang unit fuzzers fixtures lint
	PREDICT_MODULE_SO=$(MODULE) PREDICT_FIXTURES=$(FIXTURES) \
	PREDICT_UNIT=$(BUILD)/unit/pm-unit PREDICT_TOOLS=$(BUILD) \
	PREDICT_FUZZ=$(BUILD)/fuzz prove -r t

# --- benchmarks -------------------------------------------------------------

bench: deps
	$(MAKE) all fixtures
	PREDICT_MODULE_SO=$(MODULE) PREDICT_FIXTURES=$(FIXTURES) \
	PREDICT_TOOLS=$(BUILD) perl t/bench/bench.pl

# the whole suite again, nginx under valgrind memcheck
test-valgrind: deps
	$(MAKE) prove-valgrind

prove-valgrind: all unit fixtures
	PREDICT_VALGRIND=1 PREDICT_MODULE_SO=$(MODULE) \
	PREDICT_FIXTURES=$(FIXTURES) PREDICT_UNIT=$(BUILD)/unit/pm-unit \
	PREDICT_TOOLS=$(BUILD) prove -r t

# --- demo -------------------------------------------------------------------

DEMO := $(BUILD)/demo

demo: deps
	$(MAKE) module tools demo-model
	@mkdir -p $(DEMO)/logs $(DEMO)/tmp $(DEMO)/modules
	@chmod 0777 $(DEMO)/tmp
	cp $(MODULE) $(DEMO)/modules/.so.tmp
	mv -f $(DEMO)/modules/.so.tmp $(DEMO)/modules/ngx_http_predict_module.so
	$(NGINX) -t -q -p $(DEMO)/ -c $(CURDIR)/conf-examples/demo.conf \
	    -e $(DEMO)/logs/error.log
	@echo
	@echo "Serving the wine model, trained by predict-train from" \
	      "conf-examples/wine.csv,"
	@echo "on http://127.0.0.1:8080/predict (Ctrl-C stops). Try:"
	@echo
	@echo "  curl -s -d '{\"features\": $$(cat $(DEMO)/model/example.json)}'" \
	      "http://127.0.0.1:8080/predict"
	@echo "  curl -s http://127.0.0.1:8080/predict    # model metadata"
	@echo
	exec $(NGINX) -p $(DEMO)/ -c $(CURDIR)/conf-examples/demo.conf \
	    -e $(DEMO)/logs/error.log -g 'daemon off;'

demo-model: $(DEMO)/model/wine/model.libsvm

$(DEMO)/model/wine/model.libsvm: conf-examples/wine.csv \
                                 $(BUILD)/predict-train
	@mkdir -p $(DEMO)/model
	$(BUILD)/predict-train --data conf-examples/wine.csv \
	    --target cultivar --task classify --out $(DEMO)/model/wine
	@# the first row of the data set, by name, for the printed example
	head -2 conf-examples/wine.csv | tr -d '\r' | awk -F, \
	    'NR == 1 { for (i = 1; i < NF; i++) n[i] = $$i } \
	     NR == 2 { printf "{"; for (i = 1; i < NF; i++) \
	               printf "%s\"%s\": %s", (i > 1 ? ", " : ""), n[i], $$i; \
	               print "}" }' > $(DEMO)/model/example.json

# --- housekeeping -----------------------------------------------------------

lint:
	@bad=$$(git ls-files '*.c' '*.h' config Makefile 2>/dev/null \
	    | xargs awk 'length > 80 { print FILENAME ":" FNR ": over 80 columns" }'; \
	    git ls-files '*.c' '*.h' '*.pm' '*.t' | xargs grep -n $$'\t' \
	        | sed 's/$$/: tab/'; \
	    git ls-files '*.c' '*.h' '*.pm' '*.t' '*.md' '*.conf' \
	        | xargs grep -n '[[:space:]]$$' | sed 's/$$/: trailing blank/'); \
	if [ -n "$$bad" ]; then echo "$$bad"; exit 1; fi; echo "lint: ok"

clean:
	rm -rf $(BUILD)
