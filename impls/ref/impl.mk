# impls/ref: bevconf's own reference implementation of the libevent 2.1 API subset the
# cases use (see impls/ref/README.md). Built from source into a static archive under
# $(BUILD)/ref/lib/ with the same CC and CFLAGS as the harness (so SANITIZE=1 covers it).
IMPL_CFLAGS := -Iimpls/ref/include
IMPL_LIBS = $(BUILD)/ref/lib/libevent.a
IMPL_DEPS = $(BUILD)/ref/lib/libevent.a
