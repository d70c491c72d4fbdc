// expect: sessionlib: this op takes numeric tensors, not string
#include <sessionlib/sessionlib.hpp>
#include <string>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto s = sl::placeholder<std::string, sl::shape<4>>(g, "s");
  auto ok = sl::reshape<sl::shape<2, 2>>(s);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::reduce_sum(s);  // convert first: sl::string_to_number<float>(s)
  (void)bad;
#endif
}
