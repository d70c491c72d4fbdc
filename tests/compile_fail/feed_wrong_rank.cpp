// expect: sessionlib: feed: the value's rank differs from the tensor's
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 2>>(g, "x");
  sl::Session sess(g);
  xt::xtensor<float, 2> good = xt::zeros<float>({3, 2});
  (void)sess.run(x, {{x, good}});
#if SESSIONLIB_CF_FAIL
  xt::xtensor<float, 1> bad = xt::zeros<float>({6});
  (void)sess.run(x, {{x, bad}});
#endif
}
