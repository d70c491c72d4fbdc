// expect: sessionlib: cross entropy: labels and logits shapes differ
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto logits = sl::placeholder<float, sl::shape<sl::dyn, 10>>(g, "logits");
  auto labels = sl::placeholder<float, sl::shape<sl::dyn, 10>>(g, "labels");
  auto ok = sl::nn::softmax_cross_entropy_with_logits(labels, logits);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto five = sl::placeholder<float, sl::shape<sl::dyn, 5>>(g, "five");
  auto bad = sl::nn::softmax_cross_entropy_with_logits(five, logits);  // report::labels_logits_mismatch<5, 10>
  (void)bad;
#endif
}
