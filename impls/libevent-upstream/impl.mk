# impls/libevent-upstream: libevent 2.1.12 from Debian's source package (the upstream orig tarball,
# without Debian's patches), built here with clang, ASan + UBSan (+ fuzzer-no-link,
# so the fuzz targets share the build): build/fuzz/libevent-upstream/asan. The runner is
# compiled with the same sanitizers (an instrumented archive only links into such
# programs). The first `make check IMPL=libevent-upstream` builds the library (about a minute).
# Left out of `make test` (impls/impls.txt): that build is too slow for it.
libevent_upstream := $(abspath build/fuzz/libevent-upstream/asan)
IMPL_CFLAGS := -I$(libevent_upstream)/include
IMPL_LIBS := $(libevent_upstream)/lib/libevent.a
IMPL_DEPS := $(libevent_upstream)/.source-dir
CC := clang
CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
