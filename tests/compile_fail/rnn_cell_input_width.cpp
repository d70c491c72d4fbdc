// expect: sessionlib: rnn_cell: the input's width differs from the cell's
// expect-one-of: CellWidth = 3 | rnn_input_width<3L
// expect-one-of: InputWidth = 5 | 3L, 5L>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  sl::nn::rnn_cell::BasicLSTMCell<4, 3> cell(g);  // 4 units, inputs of width 3
  auto x3 = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g, "x3");
  auto ok = cell(x3, cell.zero_state(x3));
  (void)ok;
#if SESSIONLIB_CF_FAIL
  // TF: "Dimensions must be equal, but are 9 and 7 for 'rnn/basic_lstm_cell/MatMul'" when the graph is built.
  auto x5 = sl::placeholder<float, sl::shape<sl::dyn, 5>>(g, "x5");
  auto bad = cell(x5, cell.zero_state(x5));
  (void)bad;
#endif
}
