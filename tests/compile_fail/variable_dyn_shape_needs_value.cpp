// expect: sessionlib: Variable: a shape with dyn dimensions needs an xtensor initial value
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  sl::Variable<float, sl::shape<sl::dyn, 2>> ok(g, xt::xtensor<float, 2>{{1, 2}}, "ok");
#if SESSIONLIB_CF_FAIL
  sl::Variable<float, sl::shape<sl::dyn, 2>> bad(g, sl::init::zeros<float>(), "bad");
#endif
}
