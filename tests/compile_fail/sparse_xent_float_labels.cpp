// expect: sessionlib: sparse_softmax_cross_entropy_with_logits: labels must be int32 or int64
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto logits = sl::placeholder<float, sl::shape<sl::dyn, 10>>(g, "logits");
  auto y = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g, "y");
  auto ok = sl::nn::sparse_softmax_cross_entropy_with_logits(y, logits);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto yf = sl::placeholder<float, sl::shape<sl::dyn>>(g, "yf");
  auto bad = sl::nn::sparse_softmax_cross_entropy_with_logits(yf, logits);  // report::sparse_labels_not_integer<float>
  (void)bad;
#endif
}
