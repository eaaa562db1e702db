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
# A planted bug for the bar: the Debian tree with mutants/libevent/<bug>.patch applied.
$(FUZZ_DIR)/libevent-planted-%/asan/.source-dir: mutants/libevent/%.patch
	CC=clang CFLAGS="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" PATCH=$(abspath $<) \
		impls/libevent/build-source.sh debian $(@D) $(LE_CONFIGURE)
$(FUZZ_DIR)/libevent-planted-%/afl/.source-dir: mutants/libevent/%.patch
	CC=afl-clang-fast CFLAGS="-g -O1" AFL_USE_ASAN=1 AFL_USE_UBSAN=1 AFL_QUIET=1 PATCH=$(abspath $<) \
		impls/libevent/build-source.sh debian $(@D) $(LE_CONFIGURE)

# Instrumented builds are intermediate files to make: keep them (only these: a global
# .SECONDARY would stop make from rebuilding any missing object). .PRECIOUS takes the
# rules' own target patterns, character for character.
.PRECIOUS: $(foreach f,asan afl gcov,$(FUZZ_DIR)/libevent-%/$(f)/.source-dir) \
	$(foreach f,asan afl,$(FUZZ_DIR)/libevent-planted-%/$(f)/.source-dir)

# ---- ref, instrumented the same three ways: build/fuzz/ref/<flavour>/libevent.a ----
# ref's own compile line (REF_CFLAGS, impls/ref/rules.mk) with the flavour's compiler and
# flags; its `.source-dir` names where gcov data lands (fuzz-bench line coverage).
FUZZ_REF_CC_asan := clang
FUZZ_REF_CFLAGS_asan := $(FUZZ_SAN) -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link
FUZZ_REF_CC_afl := AFL_USE_ASAN=1 AFL_USE_UBSAN=1 AFL_QUIET=1 afl-clang-fast
FUZZ_REF_CFLAGS_afl := -g -O1
FUZZ_REF_CC_gcov := gcc
FUZZ_REF_CFLAGS_gcov := -O0 -g --coverage
define fuzz_ref_rules
$(FUZZ_DIR)/ref/$(1)/obj/%.o: CFLAGS = $(FUZZ_REF_CFLAGS_$(1))
$(FUZZ_DIR)/ref/$(1)/obj/%.o: $(REF_SRCDIR)/%.c
	@mkdir -p $$(@D)
	$(FUZZ_REF_CC_$(1)) $$(REF_CFLAGS) -c $$(abspath $$<) -o $$@
$(FUZZ_DIR)/ref/$(1)/libevent.a: $(patsubst $(REF_SRCDIR)/%.c,$(FUZZ_DIR)/ref/$(1)/obj/%.o,$(REF_SRC))
	rm -f $$@
	ar rcs $$@ $$^
	echo $(FUZZ_DIR)/ref/$(1)/obj >$(FUZZ_DIR)/ref/$(1)/.source-dir
endef
ifneq ($(FUZZ_HAVE_REF),)
$(foreach f,asan afl gcov,$(eval $(call fuzz_ref_rules,$(f))))
-include $(wildcard $(FUZZ_DIR)/ref/*/obj/*.d)
endif

# ---- targets: build/fuzz/bin/<impl>/<target>-<engine> ----
# fuzz_impl_env IMPL FLAVOUR: IMPL_CFLAGS=... IMPL_LIBS=... for build-target.sh
fuzz_prefix = $(FUZZ_DIR)/$(1)/$(2)
fuzz_impl_env = $(if $(filter libevent,$(1)),\
	IMPL_CFLAGS="$$(pkg-config --cflags libevent)" IMPL_LIBS="$$(pkg-config --variable=libdir libevent)/libevent.a",\
	$(if $(filter ref,$(1)),\
	IMPL_CFLAGS=-Iimpls/ref/include IMPL_LIBS=$(call fuzz_prefix,ref,$(2))/libevent.a,\
	IMPL_CFLAGS=-I$(call fuzz_prefix,$(1),$(2))/include IMPL_LIBS=$(call fuzz_prefix,$(1),$(2))/lib/libevent.a))
fuzz_lib_dep = $(if $(filter ref,$(1)),$(call fuzz_prefix,ref,$(2))/libevent.a,$(call fuzz_prefix,$(1),$(2))/.source-dir)
# evbuffer_diff links ref in too, built like the other side (FLAVOUR plain: ref's check build).
fuzz_ref_lib = $(if $(filter plain,$(1)),$(BUILD)/ref/lib/libevent.a,$(call fuzz_prefix,ref,$(1))/libevent.a)
fuzz_ref_env = $(if $(filter evbuffer_diff,$(2)),REF_CFLAGS=-Iimpls/ref/include REF_LIBS=$(call fuzz_ref_lib,$(1)))
FUZZ_TARGET_SRC := $(wildcard fuzz/targets/*.c fuzz/targets/*.h fuzz/replay.c runtime/fault.c fuzz/build-target.sh)

# One set of rules per implementation: IMPL, then how each engine builds (CC CFLAGS ENGINE
# and the library flavour).
define fuzz_bin_rules
$(FUZZ_DIR)/bin/$(1)/%-libfuzzer: $(FUZZ_TARGET_SRC) $(call fuzz_lib_dep,$(1),asan)
	@mkdir -p $$(@D)
	CC=clang CFLAGS="$(FUZZ_SAN) -fno-sanitize-recover=undefined" ENGINE=-fsanitize=fuzzer \
		$(call fuzz_impl_env,$(1),asan) $$(call fuzz_ref_env,asan,$$*) fuzz/build-target.sh $$* $$@
$(FUZZ_DIR)/bin/$(1)/%-replay: $(FUZZ_TARGET_SRC) $(call fuzz_lib_dep,$(1),asan)
	@mkdir -p $$(@D)
	CC=clang CFLAGS="$(FUZZ_SAN) -fno-sanitize-recover=undefined" ENGINE=replay \
		$(call fuzz_impl_env,$(1),asan) $$(call fuzz_ref_env,asan,$$*) fuzz/build-target.sh $$* $$@
$(FUZZ_DIR)/bin/$(1)/%-afl: $(FUZZ_TARGET_SRC) $(call fuzz_lib_dep,$(1),afl)
	@mkdir -p $$(@D)
	CC=afl-clang-fast CFLAGS="-g -O1" AFL_USE_ASAN=1 AFL_USE_UBSAN=1 AFL_QUIET=1 ENGINE=-fsanitize=fuzzer \
		$(call fuzz_impl_env,$(1),afl) $$(call fuzz_ref_env,afl,$$*) fuzz/build-target.sh $$* $$@
$(FUZZ_DIR)/bin/$(1)/%-gcov: $(FUZZ_TARGET_SRC) $(call fuzz_lib_dep,$(1),gcov)
	@mkdir -p $$(@D)
	CC=gcc CFLAGS="-O0 -g --coverage" ENGINE=replay \
		$(call fuzz_impl_env,$(1),gcov) $$(call fuzz_ref_env,gcov,$$*) fuzz/build-target.sh $$* $$@
endef
FUZZ_PLANTED := $(patsubst mutants/libevent/%.patch,libevent-planted-%,$(wildcard mutants/libevent/*.patch))
$(foreach i,libevent-debian libevent-upstream $(FUZZ_PLANTED) $(if $(FUZZ_HAVE_REF),ref),$(eval $(call fuzz_bin_rules,$(i))))
# The system libevent (plain cc, static archive): replay only.
$(FUZZ_DIR)/bin/libevent/%-replay: $(FUZZ_TARGET_SRC)
	@mkdir -p $(@D)
	CC=cc CFLAGS="-O1 -g" ENGINE=replay $(call fuzz_impl_env,libevent) $(call fuzz_ref_env,plain,$*) \
		fuzz/build-target.sh $* $@
# The differential target also depends on the ref it links (a pattern rule cannot say so).
ifneq ($(FUZZ_HAVE_REF),)
$(foreach i,libevent-debian libevent-upstream $(FUZZ_PLANTED) ref,$(foreach e,libfuzzer replay,\
	$(eval $(FUZZ_DIR)/bin/$(i)/evbuffer_diff-$(e): $(call fuzz_ref_lib,asan)))\
	$(eval $(FUZZ_DIR)/bin/$(i)/evbuffer_diff-afl: $(call fuzz_ref_lib,afl))\
	$(eval $(FUZZ_DIR)/bin/$(i)/evbuffer_diff-gcov: $(call fuzz_ref_lib,gcov)))
$(FUZZ_DIR)/bin/libevent/evbuffer_diff-replay: $(call fuzz_ref_lib,plain)
endif

# Bin path for the current TARGET/ENGINE/IMPL.
FUZZ_BIN = $(FUZZ_DIR)/bin/$(FUZZ_IMPL)/$(TARGET)-$(ENGINE)
FUZZ_REPLAY_BIN = $(FUZZ_DIR)/bin/$(FUZZ_IMPL)/$(TARGET)-replay

.PHONY: fuzz fuzz-check-args fuzz-build fuzz-min fuzz-bench fuzz-soak fuzz-replay fuzz-test-oss

fuzz-check-args:
	$(if $(filter $(TARGET),$(FUZZ_TARGETS)),,$(error bevconf: unknown TARGET=$(TARGET); available: $(FUZZ_TARGETS)$(if $(FUZZ_HAVE_REF),, (evbuffer_diff needs impls/ref: skipped))))
	$(if $(filter $(ENGINE),libfuzzer afl),,$(error bevconf: unknown ENGINE=$(ENGINE); available: libfuzzer afl))
	$(if $(filter $(FUZZ_IMPL),$(FUZZ_IMPLS) $(FUZZ_PLANTED)),,$(error bevconf: IMPL=$(FUZZ_IMPL) cannot be fuzzed; available: $(FUZZ_IMPLS)))
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
		$(if $(filter ref-evbuffer_diff,$(i)-$(t)),,\
		$(FUZZ_DIR)/bin/$(i)/$(t)-libfuzzer $(FUZZ_DIR)/bin/$(i)/$(t)-replay $(FUZZ_DIR)/bin/$(i)/$(t)-gcov)))
	python3 fuzz/campaign.py bench --seconds $(if $(filter command line,$(origin SECONDS)),$(SECONDS),30) \
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
