// expect: sessionlib: gather: indices must be int32 or int64
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  sl::Variable<float, sl::shape<100, 8>> table(g, sl::init::zeros<float>(), "table");
  auto ids = sl::placeholder<std::int32_t, sl::shape<sl::dyn>>(g);
  auto fids = sl::placeholder<double, sl::shape<sl::dyn>>(g);
  (void)fids;
  auto ok = sl::nn::embedding_lookup(table, ids);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::nn::embedding_lookup(table, fids);  // report::gather_indices_not_integer<double>
  (void)bad;
#endif
}
