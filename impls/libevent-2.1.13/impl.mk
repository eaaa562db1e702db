# impls/libevent-2.1.13: libevent 2.1.13-stable, the upstream tarball from Debian's source
# archive (sid), with ASan + UBSan (impls/libevent-src).
LIBEVENT_TREE := 2.1.13
include impls/libevent-src/impl.mk
