// Default options of the sanitizer runtimes, linked into every executable of
// a WEBHOOKD_SANITIZE build (see CMakeLists.txt). The runtimes call these at
// start-up; ASAN_OPTIONS, UBSAN_OPTIONS, TSAN_OPTIONS and LSAN_OPTIONS in the
// environment still override any setting. Compiled in rather than exported by
// the Makefile so that the webhookd processes the tests start (with an
// environment of their own) run under exactly the same rules.
#ifndef WEBHOOKD_TSAN_SUPPRESSIONS
#define WEBHOOKD_TSAN_SUPPRESSIONS ""
#endif
#ifndef WEBHOOKD_LSAN_SUPPRESSIONS
#define WEBHOOKD_LSAN_SUPPRESSIONS ""
#endif
#ifndef WEBHOOKD_UBSAN_SUPPRESSIONS
#define WEBHOOKD_UBSAN_SUPPRESSIONS ""
#endif

#define WEBHOOKD_SANITIZER_DEFAULT __attribute__((visibility("default"), used))

extern "C" {

// Stop at the first error; leaks are errors too (checked at exit). Not
// abort_on_error: an abort inside LeakSanitizer's exit-time check, with
// Boost.Test's signal handlers around, can spin forever instead of failing.
WEBHOOKD_SANITIZER_DEFAULT const char* __asan_default_options() {
  return "halt_on_error=1:detect_leaks=1:print_stacktrace=1:"
         "detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1";
}

WEBHOOKD_SANITIZER_DEFAULT const char* __lsan_default_options() {
  return "suppressions=" WEBHOOKD_LSAN_SUPPRESSIONS ":print_suppressions=0";
}

// UBSan recovers by default: make every finding fatal.
WEBHOOKD_SANITIZER_DEFAULT const char* __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1:"
         "suppressions=" WEBHOOKD_UBSAN_SUPPRESSIONS;
}

WEBHOOKD_SANITIZER_DEFAULT const char* __tsan_default_options() {
  return "halt_on_error=1:second_deadlock_stack=1:history_size=4:"
         "suppressions=" WEBHOOKD_TSAN_SUPPRESSIONS ":print_suppressions=0";
}

}  // extern "C"
