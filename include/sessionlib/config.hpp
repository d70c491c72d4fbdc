// How sessionlib's out-of-line code is compiled. Header-only is the default:
// every translation unit that runs a session compiles the runtime (plan
// builder, executor, fusion), the gradient builders, the optimizers, the saver
// and the kernels they reference, and the linker keeps one copy.
//
// Faster builds (docs/getting_started.md): compile src/sessionlib.cpp once, as
// the `sessionlib-impl` library does, and build the program's own translation
// units with -DSESSIONLIB_SEPARATE. Those then still parse every definition
// but compile none of the functions marked SESSIONLIB_INLINE and none of the
// kernels src/sessionlib.cpp instantiates: they call the library's copies. A program may mix both kinds of units.
#pragma once

// Never mark a constructor: built with clang, the library emits a used inline
// constructor only as its base-object variant, while separate units call the
// complete-object one (an undefined reference at link time).
#if defined(SESSIONLIB_IMPLEMENTATION)
// src/sessionlib.cpp: emit every marked function, whether used here or not.
#define SESSIONLIB_INLINE inline __attribute__((used))
#elif defined(SESSIONLIB_SEPARATE)
// GNU inline: calls go to the library's copy and none is emitted here. Not
// inlined either, or the compiler would compile these bodies again wherever
// it inlines them (g++ inlines the plan builder, called once, into every
// run): clang takes noinline; g++ rejects noinline beside gnu_inline but does
// not inline a callee whose optimisation level differs from the caller's, and
// since the body is never compiled here, "O0" changes nothing else. Every
// marked function is called per graph edit or per run, never per element, so
// the call costs nothing measurable. (clang warns that gnu_inline needs no
// `extern` in C++ since clang 10, which is the meaning wanted.)
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wgnu-inline-cpp-without-extern"
#define SESSIONLIB_INLINE inline __attribute__((gnu_inline, noinline))
#else
#define SESSIONLIB_INLINE inline __attribute__((gnu_inline, optimize("O0")))
#endif
#else
#define SESSIONLIB_INLINE inline
#endif

// Explicit instantiations of kernels over the fixed set of dtypes: declared
// (`extern template`) in separate units, defined in src/sessionlib.cpp, absent
// from header-only builds. See runtime/kernels/instances.hpp.
#if defined(SESSIONLIB_IMPLEMENTATION)
#define SESSIONLIB_EXTERN_TEMPLATE template
#elif defined(SESSIONLIB_SEPARATE)
#define SESSIONLIB_EXTERN_TEMPLATE extern template
#endif
