// expect: sessionlib: operands have different dtypes
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  sl::Variable<float, sl::shape<2>> ok(g, sl::init::zeros<float>(), "ok");
#if SESSIONLIB_CF_FAIL
  sl::Variable<float, sl::shape<2>> bad(g, sl::init::zeros<double>(), "bad");
#endif
}
