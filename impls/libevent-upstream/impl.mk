# impls/libevent-upstream: libevent 2.1.12 from Debian's source package, the upstream orig
# tarball without Debian's patches, with ASan + UBSan (impls/libevent-src).
LIBEVENT_TREE := upstream
include impls/libevent-src/impl.mk
