# fuzz/fuzz.mk: fuzz targets, instrumented libevent builds, campaigns (included by Makefile).
#
#   make fuzz TARGET=<t> ENGINE=libfuzzer|afl IMPL=<i> SECONDS=<n> JOBS=<n>
#   make fuzz-min TARGET=<t> IMPL=<i>       minimise the committed seeds + campaign corpora
#   make fuzz-bench [SECONDS=30]            exec/s, edges, line coverage per target x impl
#   make fuzz-soak SECONDS=3600             the no-false-positive run: time split over targets
#   make fuzz-replay                        every corpus through the plain replay driver
#   make fuzz-build                         every target x engine for IMPL
# Targets: evbuffer_tape, bufferevent_tape, and evbuffer_diff when impls/ref exists.
# Fuzzable implementations: libevent-debian, libevent-upstream (libevent 2.1.12 from
# Debian's source package, built here with sanitizers), ref (when present).

FUZZ_DIR := $(abspath build/fuzz)
FUZZ_HAVE_REF := $(if $(wildcard impls/ref/impl.mk),yes)
FUZZ_TARGETS := evbuffer_tape bufferevent_tape $(if $(FUZZ_HAVE_REF),evbuffer_diff)
FUZZ_IMPLS := libevent-debian libevent-upstream $(if $(FUZZ_HAVE_REF),ref)
FUZZ_SAN := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined
TARGET ?= evbuffer_tape
ENGINE ?= libfuzzer
SECONDS ?= 60
JOBS ?= 1
FUZZ_IMPL = $(if $(filter command line,$(origin IMPL)),$(IMPL),libevent-debian)

# ---- instrumented libevent 2.1.12 (never committed; sources fetched at build time) ----
# asan: clang ASan + UBSan + fuzzer-no-link (libFuzzer, replay, `make check IMPL=...`)
# afl:  afl-clang-fast with AFL_USE_ASAN/AFL_USE_UBSAN
# gcov: gcc --coverage (fuzz-bench line coverage)
LE_CONFIGURE := --disable-shared --disable-libevent-regress
$(FUZZ_DIR)/libevent-%/asan/.source-dir:
	CC=clang CFLAGS="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" impls/libevent/build-source.sh $* $(@D) $(LE_CONFIGURE)
$(FUZZ_DIR)/libevent-%/afl/.source-dir:
	CC=afl-clang-fast CFLAGS="-g -O1" AFL_USE_ASAN=1 AFL_USE_UBSAN=1 AFL_QUIET=1 \
		impls/libevent/build-source.sh $* $(@D) $(LE_CONFIGURE)
$(FUZZ_DIR)/libevent-%/gcov/.source-dir:
	CC=gcc CFLAGS="-O0 -g --coverage" impls/libevent/build-source.sh $* $(@D) $(LE_CONFIGURE)
# A planted bug for the bar: the Debian tree with fuzz/planted/<bug>.patch applied.
$(FUZZ_DIR)/libevent-planted-%/asan/.source-dir: fuzz/planted/%.patch
	CC=clang CFLAGS="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" PATCH=$(abspath $<) \
		impls/libevent/build-source.sh debian $(@D) $(LE_CONFIGURE)
$(FUZZ_DIR)/libevent-planted-%/afl/.source-dir: fuzz/planted/%.patch
	CC=afl-clang-fast CFLAGS="-g -O1" AFL_USE_ASAN=1 AFL_USE_UBSAN=1 AFL_QUIET=1 PATCH=$(abspath $<) \
		impls/libevent/build-source.sh debian $(@D) $(LE_CONFIGURE)

# Instrumented builds are intermediate files to make: keep them (only these: a global
# .SECONDARY would stop make from rebuilding any missing object).
.PRECIOUS: $(FUZZ_DIR)/%/.source-dir

# ---- targets: build/fuzz/bin/<impl>/<target>-<engine> ----
# impl_flags IMPL FLAVOUR: IMPL_CFLAGS=... IMPL_LIBS=... for build-target.sh
fuzz_prefix = $(FUZZ_DIR)/$(1)/$(2)
fuzz_impl_env = $(if $(filter libevent,$(1)),\
	IMPL_CFLAGS="$$(pkg-config --cflags libevent)" IMPL_LIBS="$$(pkg-config --variable=libdir libevent)/libevent.a",\
	$(if $(filter ref,$(1)),\
	IMPL_CFLAGS="$$($(MAKE) -s --no-print-directory print-impl-flags IMPL=ref | sed -n 1p)" \
	IMPL_LIBS="$$($(MAKE) -s --no-print-directory print-impl-flags IMPL=ref | sed -n 2p)",\
	IMPL_CFLAGS=-I$(call fuzz_prefix,$(1),$(2))/include IMPL_LIBS=$(call fuzz_prefix,$(1),$(2))/lib/libevent.a))
fuzz_ref_env = REF_CFLAGS="$$($(MAKE) -s --no-print-directory print-impl-flags IMPL=ref | sed -n 1p)" \
	REF_LIBS="$$($(MAKE) -s --no-print-directory print-impl-flags IMPL=ref | sed -n 2p)"
fuzz_lib_dep = $(if $(filter libevent ref,$(1)),,$(call fuzz_prefix,$(1),$(2))/.source-dir)
FUZZ_TARGET_SRC := $(wildcard fuzz/targets/*.c fuzz/targets/*.h fuzz/replay.c harness/fault.c fuzz/build-target.sh)

define fuzz_bin_rules
$(FUZZ_DIR)/bin/$(1)/%-libfuzzer: $(FUZZ_TARGET_SRC) $(call fuzz_lib_dep,$(1),asan)
	@mkdir -p $$(@D)
	CC=clang CFLAGS="$(FUZZ_SAN) -fno-sanitize-recover=undefined" ENGINE=-fsanitize=fuzzer \
		$(call fuzz_impl_env,$(1),asan) $(if $(FUZZ_HAVE_REF),$$(fuzz_ref_env)) fuzz/build-target.sh $$* $$@
$(FUZZ_DIR)/bin/$(1)/%-replay: $(FUZZ_TARGET_SRC) $(call fuzz_lib_dep,$(1),asan)
	@mkdir -p $$(@D)
	CC=clang CFLAGS="$(FUZZ_SAN) -fno-sanitize-recover=undefined" ENGINE=replay \
		$(call fuzz_impl_env,$(1),asan) $(if $(FUZZ_HAVE_REF),$$(fuzz_ref_env)) fuzz/build-target.sh $$* $$@
$(FUZZ_DIR)/bin/$(1)/%-afl: $(FUZZ_TARGET_SRC) $(call fuzz_lib_dep,$(1),afl)
	@mkdir -p $$(@D)
	CC=afl-clang-fast CFLAGS="-g -O1" AFL_USE_ASAN=1 AFL_USE_UBSAN=1 AFL_QUIET=1 ENGINE=-fsanitize=fuzzer \
		$(call fuzz_impl_env,$(1),afl) $(if $(FUZZ_HAVE_REF),$$(fuzz_ref_env)) fuzz/build-target.sh $$* $$@
$(FUZZ_DIR)/bin/$(1)/%-gcov: $(FUZZ_TARGET_SRC) $(call fuzz_lib_dep,$(1),gcov)
	@mkdir -p $$(@D)
	CC=gcc CFLAGS="-O0 -g --coverage" ENGINE=replay $(call fuzz_impl_env,$(1),gcov) fuzz/build-target.sh $$* $$@
endef
$(foreach i,libevent-debian libevent-upstream $(patsubst fuzz/planted/%.patch,libevent-planted-%,$(wildcard fuzz/planted/*.patch)),$(eval $(call fuzz_bin_rules,$(i))))
# The system libevent (plain cc, static archive): replay only.
$(FUZZ_DIR)/bin/libevent/%-replay: $(FUZZ_TARGET_SRC)
	@mkdir -p $(@D)
	CC=cc CFLAGS="-O1 -g" ENGINE=replay $(call fuzz_impl_env,libevent) \
		$(if $(FUZZ_HAVE_REF),$(fuzz_ref_env)) fuzz/build-target.sh $* $@
# The differential target links ref in: rebuild it when ref changes.
$(if $(FUZZ_HAVE_REF),$(foreach i,libevent libevent-debian libevent-upstream,$(foreach e,libfuzzer afl replay gcov,\
	$(FUZZ_DIR)/bin/$(i)/evbuffer_diff-$(e))): $(BUILD)/ref/lib/libevent.a)
# ref: its own impl.mk says how to build and link it (IMPL_DEPS, IMPL_CFLAGS, IMPL_LIBS).
$(FUZZ_DIR)/bin/ref/%-replay $(FUZZ_DIR)/bin/ref/%-libfuzzer $(FUZZ_DIR)/bin/ref/%-afl: $(FUZZ_TARGET_SRC) \
		$(if $(FUZZ_HAVE_REF),$(BUILD)/ref/lib/libevent.a)
	$(if $(FUZZ_HAVE_REF),,$(error bevconf: impls/ref does not exist in this tree))
	@mkdir -p $(@D)
	CC=clang CFLAGS="$(FUZZ_SAN) -fno-sanitize-recover=undefined" \
		ENGINE=$(if $(filter %-replay,$@),replay,-fsanitize=fuzzer) \
		$(call fuzz_impl_env,ref) $(if $(filter evbuffer_diff,$*),$(fuzz_ref_env)) fuzz/build-target.sh $* $@

# Bin path for the current TARGET/ENGINE/IMPL.
FUZZ_BIN = $(FUZZ_DIR)/bin/$(FUZZ_IMPL)/$(TARGET)-$(ENGINE)
FUZZ_REPLAY_BIN = $(FUZZ_DIR)/bin/$(FUZZ_IMPL)/$(TARGET)-replay

.PHONY: fuzz fuzz-check-args fuzz-build fuzz-min fuzz-bench fuzz-soak fuzz-replay fuzz-test-oss print-impl-flags

print-impl-flags: impl-ok $(IMPL_DEPS)
	@echo '$(IMPL_CFLAGS)'
	@echo '$(IMPL_LIBS)'

fuzz-check-args:
	$(if $(filter $(TARGET),$(FUZZ_TARGETS)),,$(error bevconf: unknown TARGET=$(TARGET); available: $(FUZZ_TARGETS)$(if $(FUZZ_HAVE_REF),, (evbuffer_diff needs impls/ref: skipped))))
	$(if $(filter $(ENGINE),libfuzzer afl),,$(error bevconf: unknown ENGINE=$(ENGINE); available: libfuzzer afl))
	$(if $(filter $(FUZZ_IMPL),$(FUZZ_IMPLS) $(patsubst fuzz/planted/%.patch,libevent-planted-%,$(wildcard fuzz/planted/*.patch))),,$(error bevconf: IMPL=$(FUZZ_IMPL) cannot be fuzzed; available: $(FUZZ_IMPLS)))
	@:

fuzz: fuzz-check-args
	$(MAKE) --no-print-directory $(FUZZ_BIN) $(FUZZ_REPLAY_BIN) IMPL=$(FUZZ_IMPL)
	python3 fuzz/campaign.py run --target $(TARGET) --engine $(ENGINE) --impl $(FUZZ_IMPL) \
		--seconds $(SECONDS) --jobs $(JOBS) --bin $(FUZZ_BIN) --replay $(FUZZ_REPLAY_BIN) \
		--out $(FUZZ_DIR)/campaigns $(if $(NAME),--name $(NAME))

fuzz-build: fuzz-check-args
	$(MAKE) --no-print-directory $(foreach t,$(FUZZ_TARGETS),$(foreach e,libfuzzer afl replay,$(FUZZ_DIR)/bin/$(FUZZ_IMPL)/$(t)-$(e))) IMPL=$(FUZZ_IMPL)

# Minimise: committed seeds + every campaign corpus of TARGET -> build/fuzz/min/<target>.
fuzz-min: fuzz-check-args
	$(MAKE) --no-print-directory $(FUZZ_DIR)/bin/$(FUZZ_IMPL)/$(TARGET)-libfuzzer IMPL=$(FUZZ_IMPL)
	python3 fuzz/campaign.py min --target $(TARGET) --bin $(FUZZ_DIR)/bin/$(FUZZ_IMPL)/$(TARGET)-libfuzzer \
		--out $(FUZZ_DIR)/min/$(TARGET) --campaigns $(FUZZ_DIR)/campaigns

# Exec/s and coverage after SECONDS per target x implementation (libFuzzer, JOBS=1), then
# line coverage of buffer.c and bufferevent*.c by the resulting corpus (gcov replay).
BENCH_IMPLS ?= libevent-debian libevent-upstream $(if $(FUZZ_HAVE_REF),ref)
fuzz-bench:
	$(MAKE) --no-print-directory $(foreach i,$(BENCH_IMPLS),$(foreach t,$(FUZZ_TARGETS),\
		$(FUZZ_DIR)/bin/$(i)/$(t)-libfuzzer $(FUZZ_DIR)/bin/$(i)/$(t)-replay \
		$(if $(filter ref,$(i)),,$(FUZZ_DIR)/bin/$(i)/$(t)-gcov)))
	python3 fuzz/campaign.py bench --seconds $(or $(BENCH_SECONDS),$(if $(filter command line,$(origin SECONDS)),$(SECONDS),30)) \
		--targets "$(FUZZ_TARGETS)" --impls "$(BENCH_IMPLS)" --bin-dir $(FUZZ_DIR)/bin --fuzz-dir $(FUZZ_DIR)

# The no-false-positive run: SECONDS split over the targets on the Debian build (the
# differential target compares that build with ref, linked in with renamed symbols).
fuzz-soak:
	$(MAKE) --no-print-directory $(foreach t,$(FUZZ_TARGETS),$(FUZZ_DIR)/bin/libevent-debian/$(t)-libfuzzer $(FUZZ_DIR)/bin/libevent-debian/$(t)-replay)
	python3 fuzz/campaign.py soak --seconds $(SECONDS) --targets "$(FUZZ_TARGETS)" --impl libevent-debian \
		--jobs $(JOBS) --bin-dir $(FUZZ_DIR)/bin --out $(FUZZ_DIR)/campaigns

# Every committed corpus through the plain replay driver, against the system libevent
# and every instrumented build that exists (make test; fast). The differential corpus
# runs on each libevent build against ref, not on ref against itself.
FUZZ_REPLAY_IMPLS = libevent $(foreach i,libevent-debian libevent-upstream,$(if $(wildcard $(FUZZ_DIR)/$(i)/asan/.source-dir),$(i))) $(if $(FUZZ_HAVE_REF),ref)
fuzz-replay:
	@for i in $(FUZZ_REPLAY_IMPLS); do for t in $(FUZZ_TARGETS); do \
		case $$t in evbuffer_diff) [ $$i != ref ] || continue ;; esac; \
		$(MAKE) -s --no-print-directory $(FUZZ_DIR)/bin/$$i/$$t-replay IMPL=$$i >/dev/null || exit 1; \
		out=$$($(FUZZ_DIR)/bin/$$i/$$t-replay fuzz/corpus/$$t 2>&1); st=$$?; \
		printf 'fuzz-replay: %-18s %-17s %s\n' $$i $$t "$$(echo "$$out" | tail -n 1 | sed 's/^bevconf-replay: [^:]*: //')"; \
		[ $$st -eq 0 ] || { echo "$$out" | tail -n 40; exit 1; }; \
	done; done

# The OSS-Fuzz / ClusterFuzzLite build script, run the way those services run it.
FUZZ_OSS_OUT := $(FUZZ_DIR)/oss-fuzz/out
fuzz-test-oss:
	rm -rf $(FUZZ_OSS_OUT) && mkdir -p $(FUZZ_OSS_OUT)
	CC=clang CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link" \
		LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=$(FUZZ_OSS_OUT) WORK=$(FUZZ_DIR)/oss-fuzz/work \
		fuzz/oss-fuzz-build.sh
	@for t in evbuffer_tape bufferevent_tape; do \
		test -x $(FUZZ_OSS_OUT)/$$t && test -s $(FUZZ_OSS_OUT)/$$t.dict && \
		python3 -c "import zipfile,sys; n=len(zipfile.ZipFile(sys.argv[1]).namelist()); assert n>0; print('fuzz-test-oss: %s: %d seeds in the zip' % (sys.argv[1].rsplit('/',1)[1], n))" $(FUZZ_OSS_OUT)/$${t}_seed_corpus.zip && \
		rm -rf $(FUZZ_OSS_OUT)/$$t.seeds && mkdir $(FUZZ_OSS_OUT)/$$t.seeds && \
		(cd $(FUZZ_OSS_OUT)/$$t.seeds && python3 -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall()" ../$${t}_seed_corpus.zip) && \
		$(FUZZ_OSS_OUT)/$$t -runs=0 $(FUZZ_OSS_OUT)/$$t.seeds >$(FUZZ_OSS_OUT)/$$t.log 2>&1 && \
		grep -q 'INITED\|DONE' $(FUZZ_OSS_OUT)/$$t.log && echo "fuzz-test-oss: $$t replays its seed corpus (libevent-debian, ASan)" || \
		{ echo "fuzz-test-oss: $$t FAILED (see $(FUZZ_OSS_OUT)/$$t.log)"; exit 1; }; done
