# fuzz/fuzz.mk: how the fuzz targets and the instrumented libraries they link are built
# (included by Makefile). It only builds; fuzz/campaign.py runs everything and asks make
# for the files it needs. What a target is made of is fuzz/targets.txt; which
# implementations exist is impls/impls.txt.
#
#   build/fuzz/bin/<impl>/<target>-<engine>   a target linked against an implementation
#       (libevent-debian, libevent-upstream, libevent-2.1.13, ref, libevent-planted-<name>
#       for mutants/libevent/<name>.patch; `libevent`, the system one, for replay only) for
#       an engine: libfuzzer, afl, replay (fuzz/replay.c), gcov (replay, line coverage)
#   build/fuzz/libevent-<tree>/<flavour>/     libevent from source, by impls/libevent-src/rules.mk
#   build/fuzz/ref/<flavour>/libevent.a       ref, built the same ways
# A flavour is how a library is compiled: asan (clang ASan + UBSan + fuzzer-no-link, for
# libFuzzer and replay), afl (afl-clang-fast, AFL_USE_ASAN/UBSAN), gcov (gcc --coverage).

FUZZ_DIR := $(abspath build/fuzz)

# ---- flavours (impls/libevent-src/rules.mk: compiler and environment): the targets' flags ----
FUZZ_SAN := $(LE_SAN)
FUZZ_CFLAGS_asan := $(FUZZ_SAN) -fno-sanitize-recover=undefined
FUZZ_CFLAGS_afl := -g -O1
FUZZ_CFLAGS_gcov := -O0 -g --coverage
# ref also gets libFuzzer's coverage instrumentation, like libevent.
FUZZ_REF_CFLAGS_asan := $(FUZZ_CFLAGS_asan) -fsanitize=fuzzer-no-link
FUZZ_REF_CFLAGS_afl := $(FUZZ_CFLAGS_afl)
FUZZ_REF_CFLAGS_gcov := $(FUZZ_CFLAGS_gcov)

# ---- engines: the flavour a binary links and its entry point (build-target.sh ENGINE) ----
FUZZ_FLAVOUR_libfuzzer := asan
FUZZ_MAIN_libfuzzer := -fsanitize=fuzzer
FUZZ_FLAVOUR_afl := afl
FUZZ_MAIN_afl := -fsanitize=fuzzer
FUZZ_FLAVOUR_replay := asan
FUZZ_MAIN_replay := replay
FUZZ_FLAVOUR_gcov := gcov
FUZZ_MAIN_gcov := replay

# Targets with a ref column in fuzz/targets.txt link ref too (built the same flavour).
FUZZ_REF_TARGETS := $(shell awk '$$1 !~ /^\#/ && NF >= 3 && $$3 != "-" {print $$1}' fuzz/targets.txt)
FUZZ_SRC := $(wildcard fuzz/targets.txt fuzz/targets/*.c fuzz/targets/*.h fuzz/targets/*.def \
	fuzz/replay.c runtime/fault.c runtime/fault.h fuzz/build-target.sh)

# Prerequisites are expanded a second time, with $* known (the libraries of a binary
# depend on the implementation and target its path names). Only fuzz.mk's rules use it.
.SECONDEXPANSION:

# Instrumented libevent, build/fuzz/libevent-<tree>/<flavour>/, is built by
# impls/libevent-src/rules.mk.

# ---- ref: build/fuzz/ref/<flavour>/libevent.a, with ref's own compile line (REF_CFLAGS) ----
# .source-dir names where gcov data lands (fuzz-bench line coverage).
$(FUZZ_DIR)/ref/%.o: CFLAGS = $(FUZZ_REF_CFLAGS_$(firstword $(subst /, ,$*)))
$(FUZZ_DIR)/ref/%.o: $$(REF_SRCDIR)/$$(notdir $$*).c
	@mkdir -p $(@D)
	$(FLAVOUR_ENV_$(firstword $(subst /, ,$*))) $(FLAVOUR_CC_$(firstword $(subst /, ,$*))) \
		$(REF_CFLAGS) -c $(abspath $<) -o $@
$(FUZZ_DIR)/ref/%/libevent.a: $(foreach s,$(REF_SRC),$(FUZZ_DIR)/ref/%/obj/$(notdir $(s:.c=.o)))
	rm -f $@
	ar rcs $@ $^
$(FUZZ_DIR)/ref/%/.source-dir: $(FUZZ_DIR)/ref/%/libevent.a
	echo $(@D)/obj >$@
-include $(wildcard $(FUZZ_DIR)/ref/*/obj/*.d)

# Libraries, archives and objects reached through these pattern rules are kept (make
# deletes intermediate files otherwise). .PRECIOUS takes the rules' own target patterns.
.PRECIOUS: $(FUZZ_DIR)/ref/%.o $(FUZZ_DIR)/ref/%/libevent.a $(FUZZ_DIR)/ref/%/.source-dir

# ---- the targets: build/fuzz/bin/<impl>/<target>-<engine> ($* = impl/target) ----
# fuzz_libs IMPL FLAVOUR TARGET: the libraries a binary links (the implementation's, and
# ref's for a target that links ref too).
fuzz_libs = $(FUZZ_DIR)/$(1)/$(2)/.source-dir $(if $(filter $(3),$(FUZZ_REF_TARGETS)),$(FUZZ_DIR)/ref/$(2)/.source-dir)
# fuzz_impl IMPL FLAVOUR: the implementation for build-target.sh (ref keeps its headers).
# libevent keeps evthread_use_pthreads in libevent_pthreads (linked first: it calls into
# libevent); ref has it in its one archive.
fuzz_impl = $(if $(filter ref,$(1)),\
	IMPL_CFLAGS=-Iimpls/ref/include IMPL_LIBS=$(FUZZ_DIR)/ref/$(2)/libevent.a,\
	IMPL_CFLAGS=-I$(FUZZ_DIR)/$(1)/$(2)/include \
	IMPL_LIBS="$(FUZZ_DIR)/$(1)/$(2)/lib/libevent_pthreads.a $(FUZZ_DIR)/$(1)/$(2)/lib/libevent.a")
# fuzz_target ENGINE FLAVOUR: the recipe.
fuzz_target = $(FLAVOUR_ENV_$(2)) CC=$(FLAVOUR_CC_$(2)) CFLAGS="$(FUZZ_CFLAGS_$(2))" ENGINE=$(FUZZ_MAIN_$(1)) \
	$(call fuzz_impl,$(*D),$(2)) REF_CFLAGS=-Iimpls/ref/include REF_LIBS=$(FUZZ_DIR)/ref/$(2)/libevent.a \
	fuzz/build-target.sh $(*F) $@

$(FUZZ_DIR)/bin/%-libfuzzer: $(FUZZ_SRC) $$(call fuzz_libs,$$(*D),asan,$$(*F))
	$(call fuzz_target,libfuzzer,asan)
$(FUZZ_DIR)/bin/%-afl: $(FUZZ_SRC) $$(call fuzz_libs,$$(*D),afl,$$(*F))
	$(call fuzz_target,afl,afl)
$(FUZZ_DIR)/bin/%-replay: $(FUZZ_SRC) $$(call fuzz_libs,$$(*D),asan,$$(*F))
	$(call fuzz_target,replay,asan)
$(FUZZ_DIR)/bin/%-gcov: $(FUZZ_SRC) $$(call fuzz_libs,$$(*D),gcov,$$(*F))
	$(call fuzz_target,gcov,gcov)
# The system libevent (plain cc, its static archive), replay only, against ref's own
# check build (build/ref/lib). The shorter stem makes this rule win over the one above.
$(FUZZ_DIR)/bin/libevent/%-replay: $(FUZZ_SRC) $$(if $$(filter $$*,$(FUZZ_REF_TARGETS)),$(BUILD)/ref/lib/libevent.a)
	CC=cc CFLAGS="-O1 -g" ENGINE=replay IMPL_CFLAGS="$$(pkg-config --cflags libevent)" \
		IMPL_LIBS="$$(pkg-config --variable=libdir libevent)/libevent_pthreads.a $$(pkg-config --variable=libdir libevent)/libevent.a" \
		REF_CFLAGS=-Iimpls/ref/include REF_LIBS=$(BUILD)/ref/lib/libevent.a fuzz/build-target.sh $* $@

# ---- commands: each runs the driver, which reads TARGET, ENGINE, IMPL, SECONDS, JOBS,
# NAME (and BENCH_IMPLS) from the environment: make puts command-line variables there ----
#   make fuzz TARGET=<t> ENGINE=libfuzzer|afl IMPL=<i> SECONDS=<n> JOBS=<n> [NAME=<campaign>]
#   make fuzz-build IMPL=<i>            every target x engine for IMPL
#   make fuzz-min TARGET=<t> IMPL=<i>   minimise the seeds + campaign corpora of TARGET
#   make fuzz-bench [SECONDS=30] [TARGET=<t>] [BENCH_IMPLS=<i>...]   exec/s, edges, line coverage per target x impl
#   make fuzz-soak SECONDS=3600         the no-false-positive run: time split over targets
#   make fuzz-replay                    every corpus through the replay driver (make test)
#   make fuzz-test-oss                  oss-fuzz-build.sh run as OSS-Fuzz runs it (make test)
#   make fuzz-repro FINDING=<f>         minimised tape, C reproducer, status per libevent build
.PHONY: fuzz fuzz-build fuzz-min fuzz-bench fuzz-soak fuzz-replay fuzz-test-oss fuzz-repro
fuzz:
	@python3 fuzz/campaign.py run
fuzz-build:
	@python3 fuzz/campaign.py build
fuzz-min:
	@python3 fuzz/campaign.py min
fuzz-bench:
	@python3 fuzz/campaign.py bench
fuzz-soak:
	@python3 fuzz/campaign.py soak
fuzz-replay:
	@python3 fuzz/campaign.py replay
fuzz-test-oss:
	@python3 fuzz/campaign.py test-oss
fuzz-repro:
	@python3 fuzz/repro.py
