# impls/libevent-debian: libevent 2.1.12 from Debian's source package (the Debian-patched
# tree the system library is built from), built here with clang, ASan + UBSan (+ fuzzer-no-link,
# so the fuzz targets share the build): build/fuzz/libevent-debian/asan. The runner is
# compiled with the same sanitizers (an instrumented archive only links into such
# programs). The first `make check IMPL=libevent-debian` builds the library (about a minute).
# Left out of `make test` (impls/impls.txt): that build is too slow for it.
libevent_debian := $(abspath build/fuzz/libevent-debian/asan)
IMPL_CFLAGS := -I$(libevent_debian)/include
IMPL_LIBS := $(libevent_debian)/lib/libevent.a
IMPL_DEPS := $(libevent_debian)/.source-dir
CC := clang
CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
