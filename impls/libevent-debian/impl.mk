# impls/libevent-debian: libevent 2.1.12 from Debian's source package, the Debian-patched
# tree the system library is built from, with ASan + UBSan (impls/libevent-src).
LIBEVENT_TREE := debian
include impls/libevent-src/impl.mk
