# Makefile - build bin/server, make the sample files, run the tests.
#
#   make              install missing Debian packages, build bin/server and bin/client
#   make run          build, make the sample files, serve them on port 8080 and
#                     download input.txt with the client (q quits both)
#   make test         build in every mode (release, asan, tsan) and run every test
#   make check        build and test one mode: make check MODE=asan CC=clang
#   make samples      (re)create the sample files in resources/
#   make fuzz         build the libFuzzer targets (clang) into build/fuzz/
#   make format / check-format / clean
#
# MODE=release|asan|tsan picks the build; objects go to build/MODE/,
# release binaries to bin/, sanitizer binaries to build/MODE/bin/.

MODE ?= release
BUILD ?= build/$(MODE)
BINDIR ?= $(if $(filter release,$(MODE)),bin,$(BUILD)/bin)
PORT ?= 8080
# V=1 shows the full commands.
Q := $(if $(V),,@)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

CPPFLAGS += -D_GNU_SOURCE -Icommon -MMD -MP
CFLAGS += -std=c17 -g -Wall -Wextra -Wpedantic -Werror -Wshadow \
          -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wundef
LDLIBS += -pthread

ifeq ($(MODE),release)
  CFLAGS += -O2 -fstack-protector-strong
  CPPFLAGS += -D_FORTIFY_SOURCE=2
else ifeq ($(MODE),asan)
  SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
  CFLAGS += -O1 -fno-omit-frame-pointer $(SAN)
  LDFLAGS += $(SAN)
else ifeq ($(MODE),tsan)
  CFLAGS += -O1 -fsanitize=thread
  LDFLAGS += -fsanitize=thread
else
  $(error MODE must be release, asan or tsan)
endif

# pkg-config runs when a recipe needs it (recursive '='), after deps.sh
# has had its chance to install what is missing.
SERVER_LIBS = $(shell pkg-config --libs libcrypto)
CLIENT_PKGS := libcurl ncursesw libcrypto readline expat
CLIENT_CFLAGS = $(shell pkg-config --cflags $(CLIENT_PKGS))
CLIENT_LIBS = $(shell pkg-config --libs $(CLIENT_PKGS))
TEST_CFLAGS = $(shell pkg-config --cflags cmocka)
TEST_LIBS = $(shell pkg-config --libs cmocka)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
COMMON_OBJ := $(call obj,$(wildcard common/*.c))
SERVER_OBJ := $(call obj,$(filter-out server/main.c,$(wildcard server/*.c)))
# client/ holds the download engine and the display; client/up/ the uploads,
# client/shell/ the interactive session (one folder level, each its own part).
CLIENT_SRC := $(filter-out client/main.c,$(wildcard client/*.c client/*/*.c))
CLIENT_OBJ := $(call obj,$(CLIENT_SRC))
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
REPLAY_BIN := $(patsubst %,$(BUILD)/tests/replay_%,$(FUZZ_NAMES))
DEPS_STAMP := build/.deps-$(MODE)

.PHONY: all build run test check check-build samples fuzz format check-format clean deps test-deps

all: deps
	@$(MAKE) --no-print-directory build

deps:
	@sh scripts/deps.sh build

test-deps:
	@sh scripts/deps.sh test

build: $(BINDIR)/server $(BINDIR)/client

$(BUILD)/libcommon.a: $(COMMON_OBJ)
	$(Q)$(AR) rcs $@ $^

$(BUILD)/libserver.a: $(SERVER_OBJ)
	$(Q)$(AR) rcs $@ $^

$(BUILD)/libclient.a: $(CLIENT_OBJ)
	$(Q)$(AR) rcs $@ $^

$(BINDIR)/server: $(BUILD)/server/main.o $(BUILD)/libserver.a $(BUILD)/libcommon.a
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS) $(LDLIBS)

$(BINDIR)/client: $(BUILD)/client/main.o $(BUILD)/libclient.a $(BUILD)/libcommon.a
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CLIENT_LIBS) $(LDLIBS)

# Only client/ sees libcurl's, ncurses' and readline's headers (and their
# feature macros); its subfolders include client/'s headers by name.
$(BUILD)/client/%.o: CPPFLAGS += -Iclient $(CLIENT_CFLAGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<  ($(MODE))"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Tests reach modules by path ("server/http_req.h") and see cmocka.
$(BUILD)/tests/%.o: CPPFLAGS += -I. -Iclient $(TEST_CFLAGS) $(CLIENT_CFLAGS)

$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(BUILD)/libserver.a $(BUILD)/libclient.a \
		$(BUILD)/libcommon.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(CLIENT_LIBS) $(LDLIBS)

# A client parser's target takes only the pure objects it names from
# libclient.a, so it links without libcurl, ncurses or readline; a target
# whose parser needs a library of its own names it in REPLAY_LIBS.
REPLAY_LIBS =
$(BUILD)/tests/replay_metalink: REPLAY_LIBS = $(shell pkg-config --libs expat)
$(BUILD)/tests/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o \
		$(BUILD)/libserver.a $(BUILD)/libclient.a $(BUILD)/libcommon.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(REPLAY_LIBS) $(SERVER_LIBS) $(LDLIBS)

$(BUILD)/tools/mksample: $(BUILD)/tools/mksample.o
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Everything one mode's test run needs.
check-build: $(BINDIR)/server $(BINDIR)/client $(UNIT_BIN) $(REPLAY_BIN) $(BUILD)/tools/mksample

samples: deps
	@$(MAKE) --no-print-directory $(BUILD)/tools/mksample
	@sh tools/mksamples.sh $(BUILD)/tools/mksample resources

run: all samples
	@PORT=$(PORT) sh scripts/run.sh

# One mode: make check MODE=asan
check: test-deps
	@$(MAKE) --no-print-directory -j$(JOBS) check-build
	@bash tests/run.sh $(MODE)

# Every mode, one summary line at the end.
test: test-deps
	@$(MAKE) --no-print-directory -j$(JOBS) check-build MODE=release
	@$(MAKE) --no-print-directory -j$(JOBS) check-build MODE=asan
	@$(MAKE) --no-print-directory -j$(JOBS) check-build MODE=tsan
	@bash tests/run.sh release asan tsan

# libFuzzer targets, for hunting (clang only): build/fuzz/fuzz_NAME corpus/NAME
# UBSan must not recover, or libFuzzer never sees its findings as crashes.
fuzz: test-deps
	@mkdir -p build/fuzz
	for n in $(FUZZ_NAMES); do \
	  clang $(filter-out -D_FORTIFY_SOURCE=2 -MMD -MP,$(CPPFLAGS)) -I. -Iclient $(CLIENT_CFLAGS) \
	    -std=c17 -g -O1 \
	    -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -o build/fuzz/fuzz_$$n tests/fuzz/fuzz_$$n.c \
	    $(filter-out server/main.c,$(wildcard server/*.c)) $(wildcard common/*.c) $(CLIENT_SRC) \
	    $(SERVER_LIBS) $(CLIENT_LIBS) -pthread || exit 1; \
	done

SOURCES = $(wildcard common/*.[ch] server/*.[ch] client/*.[ch] client/*/*.[ch] tests/unit/*.[ch] \
	tests/fuzz/*.[ch] tools/*.c)

format:
	clang-format -i $(SOURCES)

check-format:
	clang-format --dry-run -Werror $(SOURCES)

clean:
	rm -rf build bin

# Keep objects that only feed a test binary.
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
