// Placeholder: gradients of nn ops (softmax, cross-entropies, conv2d, pools) are being written.
#pragma once

#include <string>
#include <unordered_map>

#include "../graph/node.hpp"

namespace sessionlib::detail {
/// Adds the nn ops' gradient builders to the registry (train/gradients.hpp).
inline void register_nn_grads(std::unordered_map<std::string, grad_fn>& registry) { (void)registry; }
}  // namespace sessionlib::detail
