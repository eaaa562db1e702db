# impls/libevent-src/rules.mk: libevent built from source under build/fuzz/libevent-<tree>/<flavour>/
# (an install prefix with a static libevent.a), for the suite and the fuzz targets alike.
#   tree     debian, upstream (2.1.12 from Debian's source package: patched, or the orig
#            tarball), 2.1.13 (its orig tarball from Debian's archive, sha256-pinned),
#            planted-<name> (debian with mutants/libevent/<name>.patch), or src-<path> for
#            the tree LIBEVENT_SRC names (rebuilt when its sources change)
#   flavour  plain (cc), asan (clang ASan + UBSan + fuzzer-no-link: libFuzzer, replay and
#            `make check`), afl (afl-clang-fast, AFL_USE_ASAN/UBSAN), gcov (gcc --coverage,
#            with libevent's regress suite: make coverage, make mutation), mutation (cc,
#            shared libraries and the regress suite: the tree make mutation copies per mutant)
# Sources are fetched at build time by impls/libevent/build-source.sh, never committed.
LE_DIR := $(abspath build/fuzz)
LE_SAN := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined
# ---- flavours: compiler, its environment, libevent's CFLAGS (fuzz/fuzz.mk uses the first two) ----
FLAVOUR_CC_plain := cc
FLAVOUR_ENV_plain :=
FLAVOUR_LE_CFLAGS_plain := -O1 -g
FLAVOUR_CC_asan := clang
FLAVOUR_ENV_asan :=
FLAVOUR_LE_CFLAGS_asan := $(LE_SAN) -fsanitize=fuzzer-no-link
FLAVOUR_CC_afl := afl-clang-fast
FLAVOUR_ENV_afl := AFL_USE_ASAN=1 AFL_USE_UBSAN=1 AFL_QUIET=1
FLAVOUR_LE_CFLAGS_afl := -g -O1
FLAVOUR_CC_gcov := gcc
FLAVOUR_ENV_gcov :=
FLAVOUR_LE_CFLAGS_gcov := -O0 -g --coverage
FLAVOUR_CC_mutation := cc
FLAVOUR_ENV_mutation :=
FLAVOUR_LE_CFLAGS_mutation := -O1 -g

# configure's arguments: static libraries without libevent's regress suite, but for the
# flavours that run it. mutation is shared, so that a mutant is one relinked .so, loaded
# by a suite built once (LD_LIBRARY_PATH beats the RUNPATH it was linked with).
LE_CONFIGURE := --disable-shared --disable-libevent-regress
LE_CONFIGURE_gcov := --disable-shared
LE_CONFIGURE_mutation := --disable-static
# le_tree TREE: what build-source.sh builds for a tree name.
le_tree = $(if $(filter src-%,$(1)),$(LIBEVENT_SRC),$(if $(filter planted-%,$(1)),debian,$(1)))
# A source tree's files: a change to any of them rebuilds it.
LIBEVENT_SRC_FILES = $(if $(LIBEVENT_SRC),$(shell find $(LIBEVENT_SRC) -name .git -prune -o -type f \
	\( -name '*.[ch]' -o -name CMakeLists.txt -o -name configure.ac -o -name Makefile.am -o -name '*.cmake' \) -print))

.SECONDEXPANSION:
# $* = tree/flavour
$(LE_DIR)/libevent-%/.source-dir: $$(if $$(filter src-%,$$(*D)),$$(LIBEVENT_SRC_FILES)) \
		$$(if $$(filter planted-%,$$(*D)),mutants/libevent/$$(patsubst planted-%,%,$$(*D)).patch)
	$(FLAVOUR_ENV_$(*F)) CC=$(FLAVOUR_CC_$(*F)) CFLAGS="$(FLAVOUR_LE_CFLAGS_$(*F))" \
		$(if $(filter planted-%,$(*D)),PATCH=$(abspath mutants/libevent/$(patsubst planted-%,%,$(*D)).patch)) \
		impls/libevent/build-source.sh $(call le_tree,$(*D)) $(@D) $(or $(LE_CONFIGURE_$(*F)),$(LE_CONFIGURE))
.PRECIOUS: $(LE_DIR)/libevent-%/.source-dir
