// Kernels of the random ops. Each op draws from its own generator in the
// session (session_state::with_rng), seeded once from the graph seed and the
// op seed, so a session's sequence of runs is reproducible; two sessions of one
// graph draw the same sequences.
//
// Attributes: reals = the distribution's two parameters (mean, stddev or
// minval, maxval); seed = the op seed; ints = {graph seed, own node id}.
#pragma once

#include "../kernel.hpp"

namespace sessionlib::kernels {

/// RandomStandardNormal scaled: N(mean, stddev^2).
template <class T>
void random_normal_kernel(kernel_context& ctx);

/// TruncatedNormal: N(mean, stddev^2), redrawn while more than two stddevs away.
template <class T>
void truncated_normal_kernel(kernel_context& ctx);

/// RandomUniform: [minval, maxval) for floats, [minval, maxval) for integers (TF's rule).
template <class T>
void random_uniform_kernel(kernel_context& ctx);

}  // namespace sessionlib::kernels

#if SESSIONLIB_DEFINITIONS
#include "random_impl.hpp"
#endif
