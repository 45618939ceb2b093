# ngx_http_predict_module
#
#   make          build build/ngx_http_predict_module.so against the installed
#                 nginx (Debian's nginx-dev, the binary's own configure flags)
#   make deps     install the Debian packages building and serving need
#                 (idempotent; deps-bench and deps-test add what make bench
#                 and make test need; deps-list prints the three sets)
#   make install  the module, its load snippet (modules-enabled) and the
#                 tools (PREFIX=/usr/local); make uninstall removes them
#   make test     deps-test, build, unit tests and the nginx test suite
#   make demo     deps, build, train the wine model and serve it on
#                 127.0.0.1:8080 in the foreground (PORT=8090: another port;
#                 a port in use is refused before anything is served)
#   make examples-models  the model files the README's Synopsis and
#                 conf-examples/ name, in /srv/models (MODELS=DIR: elsewhere)
#   make bench    the module against return 200, Flask and FastAPI
#   make bench-cluster  one node against a front with three nodes
#   make deb      the Debian packages libnginx-mod-http-predict and
#                 predict-tools in build/deb/, checked by lintian
#   make lint     80 columns, no tabs, no trailing blanks
#
# Variables: NGX_SRC (nginx-dev source tree), NGINX (binary), BUILD,
# PORT (make demo), MODELS (make examples-models).

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
CORE_HDRS := $(wildcard src/pm*.h)
UNIT_SRCS := $(wildcard t/unit/*.c)

CLANG_TOOLS := $(BUILD)/.clang-tools

SVM_INC  := /usr/include/libsvm
CC_WARN  := -W -Wall -Wpointer-arith -Wno-unused-parameter -Werror
CC_OPT   := -g -O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2 -Wformat \
            -Werror=format-security
SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
            -fno-omit-frame-pointer
LIBS     := -ljansson -lsvm -lm

# Debian packages, in three sets (make deps-list prints them):
# what building, serving and make demo / make install need ...
DEPS_SERVE := nginx nginx-dev libjansson-dev libsvm-dev libsvm-tools \
              gnuplot-nox gcc make curl
# ... what make bench adds: the load generator, the peers (Flask/gunicorn,
# FastAPI/uvicorn) and what makes the fixtures (scikit-learn, libsvm's
# Python binding) ...
DEPS_BENCH := wrk python3-sklearn python3-libsvm python3-flask gunicorn \
              python3-fastapi uvicorn python3-httptools python3-uvloop perl
# ... and what make test adds: the sanitizers and valgrind, a real
# Prometheus, network namespaces (the walkthrough's fresh root gets its own
# loopback), and for make deb and the deployment tests (t/300-t/330)
# Debian's packaging tools, a fresh Debian root (debootstrap), the
# container (podman with runc: crun refuses this machine's hybrid
# cgroups), a test certificate and password file, the Kubernetes
# manifests read as YAML
DEPS_TEST  := valgrind clang libclang-rt-14-dev prometheus iproute2
DEPLOY_PKGS := build-essential debhelper dpkg-dev help2man lintian \
               debootstrap podman runc openssl apache2-utils python3-yaml

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps module module-clang module-asan unit tools fixtures test \
        prove prove-asan prove-valgrind test-asan test-valgrind fuzz \
        fuzzers demo demo-model examples-models bench bench-cluster deb \
        deb-build debroot deps-bench deps-deploy deps-test deps-list \
        install uninstall lint clean

all: module tools

# --- packages ---------------------------------------------------------------

# $(call install-pkgs,PACKAGES): apt-get install what is missing
define install-pkgs
	@missing=$$(for p in $(1); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	        | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "make $@: installing" $$missing; \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q \
	        && $(SUDO) env DEBIAN_FRONTEND=noninteractive \
	            apt-get install -y -q --no-install-recommends $$missing; \
	else \
	    echo "make $@: all packages present"; \
	fi
endef

deps:
	$(call install-pkgs,$(DEPS_SERVE))

deps-bench:
	$(call install-pkgs,$(DEPS_SERVE) $(DEPS_BENCH))

deps-deploy:
	$(call install-pkgs,$(DEPS_SERVE) $(DEPLOY_PKGS))

deps-test:
	$(call install-pkgs,$(DEPS_SERVE) $(DEPS_BENCH) $(DEPS_TEST) \
	    $(DEPLOY_PKGS))

# the sets as the README lists them, one line each
deps-list:
	@echo "deps: $(strip $(DEPS_SERVE))"
	@echo "deps-bench: $(strip $(DEPS_BENCH))"
	@echo "deps-test: $(strip $(DEPS_TEST) $(DEPLOY_PKGS))"

# --- the module -------------------------------------------------------------

# nginx's auto/make rewrites every ".S" in an addon's object paths as if it
# ended an assembler file name, so a checkout under "/tmp/tmp.Sx3/" or
# "predict.Server/" would not build.  configure therefore runs in a view
# of the nginx source tree under $(BUILD) (symlinks), and names the addon
# and the build directory by relative paths that hold no ".S": "predict"
# (a symlink to this checkout) and "../<dir>".  Only blanks in the path
# cannot work (make splits on them): refused at once.

ifneq ($(words $(CURDIR)),1)
$(error the checkout's path "$(CURDIR)" contains a blank, which make \
    cannot handle: clone or move it to a path without one)
endif

NGX_VIEW := $(BUILD)/ngx-src

$(NGX_VIEW)/.done:
	@test -x $(NGX_SRC)/configure || { echo "$(NGX_SRC) is missing:" \
	    "run 'make deps' (Debian: nginx-dev)"; exit 1; }
	@rm -rf $(NGX_VIEW) && mkdir -p $(NGX_VIEW)
	@for f in $(NGX_SRC)/*; do ln -s "$$f" $(NGX_VIEW)/; done
	@ln -s $(CURDIR) $(NGX_VIEW)/predict
	@touch $@

# $(call configure,DIR,CC-OPTIONS,CC-OPT,LD-OPT): the build in $(BUILD)/DIR
define configure
	@rm -rf $(BUILD)/$(1) && mkdir -p $(BUILD)/$(1)
	cd $(NGX_VIEW) && . ./conf_flags && ./configure $(2) \
	    "$${NGX_CONF_FLAGS[@]}" --with-cc-opt="$(3)" \
	    $(if $(4),--with-ld-opt="$(4)") \
	    --add-dynamic-module=predict --builddir=../$(1) \
	    > $(BUILD)/$(1).configure.log 2>&1 \
	    || { tail -20 $(BUILD)/$(1).configure.log; exit 1; }
endef

# $(call modules,DIR): make the module in $(BUILD)/DIR
modules = $(MAKE) -s -C $(NGX_VIEW) -f ../$(1)/Makefile modules

# configure once per change of `config`; it writes only under $(BUILD)
$(NGX_OBJS)/Makefile: config $(NGX_VIEW)/.done
	$(call configure,nginx,,$(CC_OPT),)

$(MODULE): $(NGX_OBJS)/Makefile ngx_http_predict_module.c $(CORE_SRCS) \
           $(CORE_HDRS)
	$(call modules,nginx)
	@# never overwrite a loaded .so in place: a running nginx maps it
	cp $(NGX_OBJS)/ngx_http_predict_module.so $@.tmp && mv -f $@.tmp $@

module: $(MODULE)

# the same module with clang, whose warnings differ (-Werror either way)
$(CLANG_OBJS)/Makefile: config $(NGX_VIEW)/.done
	$(call configure,nginx-clang,--with-cc=clang,-g -O2,)

module-clang: $(CLANG_OBJS)/Makefile $(CLANG_TOOLS)
	$(call modules,nginx-clang)

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

ASAN_LD_OPT := -fsanitize=address,undefined

$(ASAN_OBJS)/Makefile: config $(NGX_VIEW)/.done
	$(call configure,nginx-asan,--with-cc=clang,$(ASAN_CC_OPT),$(ASAN_LD_OPT))

$(ASAN_MODULE): $(ASAN_OBJS)/Makefile ngx_http_predict_module.c \
                $(CORE_SRCS) $(CORE_HDRS)
	$(call modules,nginx-asan)
	@mkdir -p $(BUILD)/asan
	cp $(ASAN_OBJS)/ngx_http_predict_module.so $@.tmp && mv -f $@.tmp $@

module-asan: $(ASAN_MODULE)

# --- the core, once per flavour, as a static library -------------------------

# libpm.a (gcc, the tools), libpm-san.a (clang, ASan + UBSan, the unit
# tests), libpm-fuzz.a (clang, libFuzzer's coverage, the fuzzers); each
# object records its headers (-MMD), so a changed header rebuilds it
LIB       := $(BUILD)/lib/libpm.a
LIB_SAN   := $(BUILD)/lib-san/libpm.a
LIB_FUZZ  := $(BUILD)/lib-fuzz/libpm.a
CLANG_WARN := $(CC_WARN) -Wextra -Wconditional-uninitialized
FUZZ_SAN  := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
             -fno-omit-frame-pointer

$(BUILD)/lib/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CC_WARN) $(CC_OPT) -MMD -MP -Isrc -I$(SVM_INC) -c -o $@ $<

$(BUILD)/lib-san/%.o: src/%.c
	@mkdir -p $(@D)
	clang $(CLANG_WARN) -g -O1 $(SAN) -MMD -MP -Isrc -I$(SVM_INC) -c -o $@ $<

$(BUILD)/lib-fuzz/%.o: src/%.c
	@mkdir -p $(@D)
	clang -g -O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN) -MMD -MP -Isrc \
	    -I$(SVM_INC) -c -o $@ $<

CORE_NAMES := $(CORE_SRCS:src/%.c=%)

$(LIB): $(CORE_NAMES:%=$(BUILD)/lib/%.o)
	rm -f $@ && ar rcs $@ $^

$(LIB_SAN): $(CORE_NAMES:%=$(BUILD)/lib-san/%.o)
	rm -f $@ && ar rcs $@ $^

$(LIB_FUZZ): $(CORE_NAMES:%=$(BUILD)/lib-fuzz/%.o)
	rm -f $@ && ar rcs $@ $^

-include $(wildcard $(BUILD)/lib/*.d $(BUILD)/lib-san/*.d \
                    $(BUILD)/lib-fuzz/*.d)

# --- the tools ---------------------------------------------------------------

# tools/NAME.c (and, for predict-train, tools/train_*.c) -> $(BUILD)/NAME
TOOLS := predict-train predict-run predict-scale predict-bench
TRAIN_SRCS := tools/predict_train.c $(wildcard tools/train_*.c)

$(BUILD)/predict-train: $(TRAIN_SRCS) $(wildcard tools/*.h) $(LIB)
	$(CC) $(CC_WARN) $(CC_OPT) -pthread -Isrc -Itools -I$(SVM_INC) -o $@ \
	    $(TRAIN_SRCS) $(LIB) $(LDFLAGS) $(LIBS)

$(BUILD)/predict-%: tools/predict_%.c $(LIB)
	$(CC) $(CC_WARN) $(CC_OPT) -Isrc -Itools -I$(SVM_INC) -o $@ $< \
	    $(LIB) $(LDFLAGS) $(LIBS)

tools: $(TOOLS:%=$(BUILD)/%)

# the tools again with clang's warnings, compiled only
$(CLANG_TOOLS): $(wildcard tools/*.c tools/*.h) $(CORE_HDRS)
	clang $(CLANG_WARN) -fsyntax-only -Isrc -Itools -I$(SVM_INC) \
	    $(wildcard tools/*.c)
	@touch $@

# the unit tests: ASan + UBSan, with clang's extra warnings
$(BUILD)/unit/pm-unit: $(UNIT_SRCS) $(wildcard t/unit/*.h) $(LIB_SAN)
	@mkdir -p $(BUILD)/unit
	clang $(CLANG_WARN) -g -O1 $(SAN) -Isrc -I$(SVM_INC) -It/unit -o $@ \
	    $(UNIT_SRCS) $(LIB_SAN) $(LIBS)

unit: $(BUILD)/unit/pm-unit

# --- fuzzing: libFuzzer on src/ entry points --------------------------------

FUZZ_TARGETS := request api model scale spec csv dtoa
FUZZERS      := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_SECONDS ?= 60
FUZZ_LIMIT   = $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS), \
                   -max_total_time=$(FUZZ_SECONDS))
FUZZ_WHAT    = $(if $(FUZZ_RUNS),$(FUZZ_RUNS) runs,$(FUZZ_SECONDS) s)

$(BUILD)/fuzz/fuzz_%: t/fuzz/fuzz_%.c t/fuzz/fuzz.h $(LIB_FUZZ)
	@mkdir -p $(BUILD)/fuzz
	clang -g -O1 -fsanitize=fuzzer $(FUZZ_SAN) \
	    -DPM_FUZZ_DATA='"$(CURDIR)/t/fuzz/data"' -Isrc -I$(SVM_INC) \
	    -It/fuzz -o $@ $< $(LIB_FUZZ) $(LIBS)

fuzzers: $(FUZZERS)

# FUZZ_SECONDS per target, or FUZZ_RUNS executions each (then without a
# time limit); new inputs go to build/fuzz/corpus, failures to
# build/fuzz/crashes.  The long run DEVELOPING.md reports:
# make fuzz FUZZ_RUNS=10000000
fuzz: deps-test
	$(MAKE) fuzzers
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(BUILD)/fuzz/corpus/$$t $(BUILD)/fuzz/crashes/$$t; \
	    echo "fuzz_$$t: $(FUZZ_WHAT)"; \
	    $(BUILD)/fuzz/fuzz_$$t $(FUZZ_LIMIT) \
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
                   t/data/model_repo.py \
                   t/data/heart_scale $(BUILD)/predict-train
	rm -rf $(FIXTURES)
	PREDICT_TOOLS=$(BUILD) t/data/make-fixtures.sh $(FIXTURES) \
	    2> $(BUILD)/fixtures.log \
	    || { cat $(BUILD)/fixtures.log; exit 1; }
	touch $@

fixtures: $(FIXTURES)/.done

# --- Debian packages --------------------------------------------------------

# dpkg-buildpackage (debhelper with nginx-dev's dh-sequence-nginx, see
# debian/rules) in a copy of the tracked files, so the checkout stays clean;
# the packages, the source package and lintian's report land in build/deb/.
# nginx's configure gets that copy by its absolute path, which must hold no
# ".S" (see "the module" above): under such a checkout the copy goes to a
# directory under /tmp, removed afterwards.
DEB_DIR     := $(BUILD)/deb
DEB_STAMP   := $(DEB_DIR)/.done
DEB_VERSION  = $(shell dpkg-parsechangelog -l debian/changelog -S Version)
DEB_INPUTS  := $(wildcard $(shell git ls-files 2>/dev/null))

deb: deps-deploy
	$(MAKE) deb-build

deb-build: $(DEB_STAMP)

$(DEB_STAMP): $(DEB_INPUTS)
	@rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)
	@work=$(DEB_DIR)/src; \
	case "$$work" in *.S*) work=$$(mktemp -d /tmp/predict-deb-XXXXXX);; esac; \
	src=$$work/ngx-http-predict-$(DEB_VERSION); \
	mkdir -p $$src && git ls-files -z | tar --null -T - -cf - \
	    | tar -xf - -C $$src || exit 1; \
	echo "dpkg-buildpackage -us -uc in $$src"; \
	(cd $$src && dpkg-buildpackage -us -uc) > $(DEB_DIR)/build.log 2>&1 \
	    || { tail -30 $(DEB_DIR)/build.log; exit 1; }; \
	mv $$work/*.deb $$work/*.changes $$work/*.buildinfo $$work/*.dsc \
	   $$work/*.tar.* $(DEB_DIR)/ && rm -rf $$work
	@# errors fail the build; warnings kept are explained in the README
	lintian -I --pedantic --fail-on error $(DEB_DIR)/*.changes \
	    > $(DEB_DIR)/lintian.log 2>&1; rc=$$?; \
	    cat $(DEB_DIR)/lintian.log; exit $$rc
	@ls $(DEB_DIR)/*.deb
	@touch $@

# a minimal Debian 12 root (debootstrap, about a minute), made once and kept
# as a tar file: the package and container tests each unpack a fresh copy
DEBROOT := $(BUILD)/debroot/bookworm-minbase.tar

debroot: $(DEBROOT)

$(DEBROOT): t/deploy/make-debroot
	t/deploy/make-debroot $@

# --- tests ------------------------------------------------------------------

test: deps-test
	$(MAKE) prove prove-asan prove-valgrind

test-asan: deps-test
	$(MAKE) prove-asan

# the whole suite again, the module built with ASan and UBSan
prove-asan: all module-asan unit fuzzers fixtures
	PREDICT_ASAN=1 PREDICT_MODULE_SO=$(ASAN_MODULE) \
	PREDICT_FIXTURES=$(FIXTURES) PREDICT_UNIT=$(BUILD)/unit/pm-unit \
	PREDICT_TOOLS=$(BUILD) prove -r t

prove: all module-clang unit fuzzers fixtures lint deb-build debroot
	PREDICT_MODULE_SO=$(MODULE) PREDICT_FIXTURES=$(FIXTURES) \
	PREDICT_UNIT=$(BUILD)/unit/pm-unit PREDICT_TOOLS=$(BUILD) \
	PREDICT_FUZZ=$(BUILD)/fuzz PREDICT_DEB=$(DEB_DIR) \
	PREDICT_DEBROOT=$(DEBROOT) prove -r t

# --- benchmarks -------------------------------------------------------------

bench: deps-bench
	$(MAKE) all fixtures
	PREDICT_MODULE_SO=$(MODULE) PREDICT_FIXTURES=$(FIXTURES) \
	PREDICT_TOOLS=$(BUILD) perl t/bench/bench.pl

# one node against the front with three (conf-examples/cluster/)
bench-cluster: deps-bench
	$(MAKE) all fixtures
	PREDICT_MODULE_SO=$(MODULE) PREDICT_FIXTURES=$(FIXTURES) \
	perl t/bench/cluster.pl

# the whole suite again, nginx under valgrind memcheck
test-valgrind: deps-test
	$(MAKE) prove-valgrind

prove-valgrind: all unit fixtures
	PREDICT_VALGRIND=1 PREDICT_MODULE_SO=$(MODULE) \
	PREDICT_FIXTURES=$(FIXTURES) PREDICT_UNIT=$(BUILD)/unit/pm-unit \
	PREDICT_TOOLS=$(BUILD) prove -r t

# --- demo -------------------------------------------------------------------

DEMO := $(BUILD)/demo
PORT ?= 8080

# conf-examples/demo.conf listens on 127.0.0.1:8080: the demo serves a copy,
# $(DEMO)/demo.conf, that listens on $(PORT).  nginx -t does not bind, and
# nginx would report a busy port only after the banner: the port is tried
# first (a listening socket bound and closed at once), and a busy one
# stops the demo before anything is printed.
demo: deps
	@case "$(PORT)" in ''|*[!0-9]*) echo "make demo: PORT=$(PORT) is not" \
	    "a port number"; exit 1;; esac; \
	if [ "$(PORT)" -lt 1 ] || [ "$(PORT)" -gt 65535 ]; then \
	    echo "make demo: PORT=$(PORT) is not a port number"; exit 1; fi
	$(MAKE) module tools demo-model
	@mkdir -p $(DEMO)/logs $(DEMO)/tmp $(DEMO)/modules
	@chmod 0777 $(DEMO)/tmp
	cp $(MODULE) $(DEMO)/modules/.so.tmp
	mv -f $(DEMO)/modules/.so.tmp $(DEMO)/modules/ngx_http_predict_module.so
	sed 's/listen 127\.0\.0\.1:8080;/listen 127.0.0.1:$(PORT);/' \
	    conf-examples/demo.conf > $(DEMO)/demo.conf
	@grep -q 'listen 127\.0\.0\.1:$(PORT);' $(DEMO)/demo.conf || { echo \
	    "make demo: conf-examples/demo.conf has no" \
	    "'listen 127.0.0.1:8080;' line to move to port $(PORT)"; exit 1; }
	$(NGINX) -t -q -p $(DEMO)/ -c $(DEMO)/demo.conf \
	    -e $(DEMO)/logs/error.log
	@perl -MIO::Socket::INET -e 'IO::Socket::INET->new(Listen => 1, \
	    LocalAddr => "127.0.0.1", LocalPort => $(PORT), Proto => "tcp", \
	    ReuseAddr => 1) or exit 1' || { echo "make demo: 127.0.0.1:$(PORT)" \
	    "is in use (PORT=... picks another)" >&2; exit 1; }
	@echo
	@echo "Serving the wine model, trained by predict-train from" \
	      "conf-examples/wine.csv,"
	@echo "on http://127.0.0.1:$(PORT)/predict (Ctrl-C stops). Try:"
	@echo
	@echo "  curl -s -d '{\"features\": $$(cat $(DEMO)/model/example.json)}'" \
	      "http://127.0.0.1:$(PORT)/predict"
	@echo "  curl -s http://127.0.0.1:$(PORT)/predict    # model metadata"
	@echo
	exec $(NGINX) -p $(DEMO)/ -c $(DEMO)/demo.conf \
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

# --- the files the README's Synopsis and conf-examples/ name ------------

# In $(MODELS): the bundle wine/ (predict-train on conf-examples/wine.csv);
# heart.model and heart.range (libsvm's heart_scale, t/data/heart_scale,
# scaled by svm-scale to [-1, 1], svm-train -b 1 as the fixtures do);
# wine.model and wine.range (the same CSV as libsvm data, classes 0, 1, 2).
# The intermediate scaled data stays in $(BUILD)/examples-models.
MODELS ?= /srv/models
EXM    := $(BUILD)/examples-models

examples-models: deps
	$(MAKE) tools
	@mkdir -p $(MODELS) $(EXM)
	rm -rf $(MODELS)/wine
	$(BUILD)/predict-train --quiet --data conf-examples/wine.csv \
	    --target cultivar --task classify --out $(MODELS)/wine
	svm-scale -l -1 -u 1 -s $(MODELS)/heart.range t/data/heart_scale \
	    > $(EXM)/heart.scaled
	svm-train -q -b 1 $(EXM)/heart.scaled $(MODELS)/heart.model
	tr -d '\r' < conf-examples/wine.csv | awk -F, 'NR > 1 { \
	    sub(/^class_/, "", $$NF); printf "%s", $$NF; \
	    for (i = 1; i < NF; i++) printf " %d:%s", i, $$i; print "" }' \
	    > $(EXM)/wine.raw
	svm-scale -l -1 -u 1 -s $(MODELS)/wine.range $(EXM)/wine.raw \
	    > $(EXM)/wine.scaled
	svm-train -q -b 1 $(EXM)/wine.scaled $(MODELS)/wine.model
	@echo "make examples-models: in $(MODELS): wine/ heart.model" \
	      "heart.range wine.model wine.range"

# --- install ----------------------------------------------------------------

# make install: the module into nginx's modules directory (the one nginx -V
# names, made if missing: stock Debian 12 has none), its load snippet into
# modules-available and enabled in modules-enabled, as Debian's own module
# packages do (the stock nginx.conf includes modules-enabled/*.conf), the
# tools into $(PREFIX)/bin and the exporter into $(PREFIX)/share.  DESTDIR
# stages it elsewhere; make uninstall removes exactly these files.  The
# module replaces an older one by a new file (install unlinks first), never
# by writing into the one a running nginx maps; a running nginx needs a
# restart to load it.
PREFIX      ?= /usr/local
NGX_MODULES ?= $(or $(shell $(NGINX) -V 2>&1 | tr ' ' '\n' \
                   | sed -n 's/^--modules-path=//p'),/usr/lib/nginx/modules)
NGX_AVAIL   := /usr/share/nginx/modules-available
NGX_ENABLED := /etc/nginx/modules-enabled
SNIPPET     := mod-http-predict.conf
SNIPPET_ON  := 50-mod-http-predict.conf

install: all
	install -D -m 644 $(MODULE) \
	    $(DESTDIR)$(NGX_MODULES)/ngx_http_predict_module.so
	@mkdir -p $(DESTDIR)$(NGX_AVAIL) $(DESTDIR)$(NGX_ENABLED)
	echo "load_module $(NGX_MODULES)/ngx_http_predict_module.so;" \
	    > $(DESTDIR)$(NGX_AVAIL)/$(SNIPPET)
	ln -sfn $(NGX_AVAIL)/$(SNIPPET) $(DESTDIR)$(NGX_ENABLED)/$(SNIPPET_ON)
	install -D -m 755 -t $(DESTDIR)$(PREFIX)/bin $(TOOLS:%=$(BUILD)/%)
	install -D -m 755 tools/sklearn_export.py \
	    $(DESTDIR)$(PREFIX)/share/predict-tools/sklearn_export.py
	ln -sfn $(PREFIX)/share/predict-tools/sklearn_export.py \
	    $(DESTDIR)$(PREFIX)/bin/predict-sklearn-export

uninstall:
	rm -f $(DESTDIR)$(NGX_ENABLED)/$(SNIPPET_ON) \
	    $(DESTDIR)$(NGX_AVAIL)/$(SNIPPET) \
	    $(DESTDIR)$(NGX_MODULES)/ngx_http_predict_module.so \
	    $(TOOLS:%=$(DESTDIR)$(PREFIX)/bin/%) \
	    $(DESTDIR)$(PREFIX)/bin/predict-sklearn-export \
	    $(DESTDIR)$(PREFIX)/share/predict-tools/sklearn_export.py
	-rmdir $(DESTDIR)$(PREFIX)/share/predict-tools 2>/dev/null

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
