// expect: sessionlib: nn: the tensor has the wrong rank
// expect-one-of: always_false_dims<1, 0> | nn_rank<1, 0>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 10>>(g, "x");
  auto ok = sl::nn::softmax(x);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto s = sl::placeholder<float, sl::shape<>>(g, "s");
  auto bad = sl::nn::softmax(s);  // report::nn_rank<1, 0>: softmax needs an axis
  (void)bad;
#endif
}
