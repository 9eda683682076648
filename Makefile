# p2ptrace -- one plain Makefile.
#   make            build/p2ptrace (and build/libp2ptrace.a)
#   make check      deps, then lint and every test: unit (normal + ASan/UBSan), integration, lab
#   make bench      analyze vs ndpiReader, tshark, cat on a >=100 MB trace
#   make demo       the paper's experiments end to end -> demo/report.html
#   make fuzz       libFuzzer targets, 60 s each
#   make deps       install the Debian packages (as root)
#   make lint       cppcheck + layering grep
CC       ?= cc
BUILD    ?= build
PKGS      = libpcap libndpi libfixbuf
WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wvla -Wpointer-arith -Wundef
OPT      ?= -O2 -g
CPPFLAGS += -Iinclude -Isrc -D_DEFAULT_SOURCE -D_GNU_SOURCE \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=c11 $(WARN) -fvisibility=hidden -MMD -MP $(OPT) $(EXTRA_CFLAGS)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lxgboost -lm -lpthread
SAN       = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

LIB_SRCS  := $(shell find lib -name '*.c' | sort)
TOOL_SRCS := $(shell find src -name '*.c' ! -name main.c | sort)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
TOOL_OBJS := $(TOOL_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all check check-fast bench bench-capture bench-lab bench-ml bench-lab-vm bench-shape bench-flood bench-transfer \
        demo fuzz deps lint clean san tests fixtures

all: $(BUILD)/p2ptrace

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libp2ptrace.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libp2ptool.a: $(TOOL_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/p2ptrace: $(BUILD)/src/main.o $(BUILD)/libp2ptool.a $(BUILD)/libp2ptrace.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libp2ptool.a $(BUILD)/libp2ptrace.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $(filter %.c %.a,$^) $(LDFLAGS) $(LDLIBS) -lcmocka

$(BUILD)/mkfixtures: tests/fixtures/gen/mkpcap.c tests/fixtures/gen/mklinks.c tests/fixtures/gen/mkpcap.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $(filter %.c,$^) -lm

# the benchmark's many-flows generator (also used by tests/integration)
$(BUILD)/genflows: bench/genflows.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $<

tests: $(UNIT_BINS) $(BUILD)/mkfixtures $(BUILD)/genflows $(BUILD)/p2ptrace

# The sanitizer tree: the same sources under ASan + UBSan.
san:
	$(MAKE) BUILD=build/san OPT="-O1 -g" EXTRA_CFLAGS="$(SAN)" LDFLAGS="$(SAN)" tests

deps:
	sh scripts/deps.sh

check: deps
	$(MAKE) tests
	sh scripts/lint.sh
	$(MAKE) san
	sh tests/run.sh

# Same tests without installing anything or building the sanitizer tree.
check-fast: tests
	P2PT_NO_SAN=1 sh tests/run.sh

bench: deps all
	sh bench/bench_analyze.sh

bench-capture: deps all
	sh bench/bench_capture.sh

bench-lab: deps all
	sh bench/bench_lab.sh

bench-lab-vm: deps all
	sh bench/bench_lab_vm.sh

bench-shape: deps all
	sh bench/bench_shape.sh

# exp1-flood (40 GNUnet peers) for FLOOD_DURATION s (default 300)
bench-flood: deps all
	sh bench/bench_flood.sh

bench-ml: deps all
	sh bench/bench_ml.sh

bench-transfer: deps all
	sh bench/bench_transfer.sh

demo: deps all
	sh scripts/demo.sh

fuzz: deps
	sh tests/fuzz/run_fuzz.sh 60

lint:
	sh scripts/lint.sh

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
