// How sessionlib's out-of-line code is compiled. Header-only is the default:
// every translation unit that runs a session compiles the runtime (plan
// builder, executor, fusion), the gradient builders, the optimizers, the saver
// and the kernels they reference, and the linker keeps one copy.
//
// Faster builds (docs/getting_started.md): compile src/sessionlib.cpp once, as
// the `sessionlib-impl` library does, and build the program's own translation
// units with -DSESSIONLIB_SEPARATE. Those then see declarations only of the
// functions marked SESSIONLIB_INLINE (SESSIONLIB_DEFINITIONS below) and compile
// none of them nor the kernels src/sessionlib.cpp instantiates: they call the
// library's copies. A program may mix both kinds of units.
#pragma once

// Never mark a constructor: built with clang, the library emits a used inline
// constructor only as its base-object variant, while separate units call the
// complete-object one (an undefined reference at link time).
#if defined(SESSIONLIB_IMPLEMENTATION)
// src/sessionlib.cpp: emit every marked function, whether used here or not.
#define SESSIONLIB_INLINE inline __attribute__((used))
#elif defined(SESSIONLIB_SEPARATE)
// Only virtual members keep a marked body here (their classes' vtables stay
// in the units that construct them); the rest are declarations only
// (SESSIONLIB_DECLARE below). GNU inline: calls go to the library's copy and
// none is emitted here. Not
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

// Whether this unit sees the definitions behind sessionlib's declarations: 1 in
// header-only units and in src/sessionlib.cpp, 0 in separate units. A separate
// unit calls the library's copies of the runtime (plan builder, executor,
// fusion, session core, graph building, gradient builders, optimizers, saver,
// checkpoint files), so it parses their declarations only, never their bodies
// nor the headers only those bodies need (oneTBB's): headers guard those
// bodies with `#if SESSIONLIB_DEFINITIONS`. So are most kernel families'
// template bodies (runtime/kernels/X.hpp declares, X_impl.hpp defines), which
// the library instantiates for every dtype their builders admit
// (runtime/kernels/instances.hpp); the elementwise kernels stay visible (a
// user's functor runs through them), and an elementwise specialization the
// library does not hold is instantiated where used.
#if defined(SESSIONLIB_SEPARATE) && !defined(SESSIONLIB_IMPLEMENTATION)
#define SESSIONLIB_DEFINITIONS 0
#else
#define SESSIONLIB_DEFINITIONS 1
#endif

// The declaration of a marked function whose definition (SESSIONLIB_INLINE)
// stands behind `#if SESSIONLIB_DEFINITIONS`. In a separate unit it is a plain
// declaration, calling the library's copy: g++ and clang both warn about an
// inline function used but never defined.
#if SESSIONLIB_DEFINITIONS
#define SESSIONLIB_DECLARE SESSIONLIB_INLINE
#else
#define SESSIONLIB_DECLARE
#endif

// Explicit instantiations of kernels over the fixed set of dtypes: declared
// (`extern template`) in separate units, defined in src/sessionlib.cpp, absent
// from header-only builds. See runtime/kernels/instances.hpp.
#if defined(SESSIONLIB_IMPLEMENTATION)
#define SESSIONLIB_EXTERN_TEMPLATE template
#elif defined(SESSIONLIB_SEPARATE)
#define SESSIONLIB_EXTERN_TEMPLATE extern template
#endif
