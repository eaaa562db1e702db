# impls/libevent-src: libevent built here from a source tree (impls/libevent-src/rules.mk):
# LIBEVENT_TREE (debian, upstream, 2.1.13; set by the rows that include this file) or the
# tree LIBEVENT_SRC=<dir> names (a libevent checkout or release tree: CMake when it has
# CMakeLists.txt, else autotools). The flavour: asan for the built-in trees (their builds
# are shared with the fuzz targets, and the runner is compiled with the same sanitizers),
# plain for LIBEVENT_SRC (asan with SANITIZE=1).
ifneq ($(LIBEVENT_SRC),)
  ifeq ($(wildcard $(LIBEVENT_SRC)/CMakeLists.txt $(LIBEVENT_SRC)/configure $(LIBEVENT_SRC)/autogen.sh),)
    IMPL_ERROR := LIBEVENT_SRC=$(LIBEVENT_SRC) is not a libevent source tree (no CMakeLists.txt, configure or autogen.sh)
  endif
  LIBEVENT_TREE := src$(subst /,-,$(abspath $(LIBEVENT_SRC)))
  LIBEVENT_FLAVOUR := $(if $(filter 1,$(SANITIZE)),asan,plain)
else ifeq ($(LIBEVENT_TREE),)
  IMPL_ERROR := IMPL=libevent-src wants LIBEVENT_SRC=<a libevent source tree>
endif
LIBEVENT_FLAVOUR ?= asan
libevent_src_prefix := $(abspath build/fuzz/libevent-$(LIBEVENT_TREE)/$(LIBEVENT_FLAVOUR))
IMPL_CFLAGS := -I$(libevent_src_prefix)/include
IMPL_LIBS := $(libevent_src_prefix)/lib/libevent.a
IMPL_DEPS := $(libevent_src_prefix)/.source-dir
ifeq ($(LIBEVENT_FLAVOUR),asan)
  CC := clang
  CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
endif
