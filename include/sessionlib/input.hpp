// sessionlib's opt-in input-pipeline part: TF 1.x's queues (FIFOQueue,
// PaddingFIFOQueue, RandomShuffleQueue, PriorityQueue) with typed components,
// their session-owned state, train::QueueRunner, train::Coordinator and
// train::start_queue_runners; the readers (FixedLengthRecordReader,
// TextLineReader, TFRecordReader, IdentityReader, IdxRecordReader), the string ops that turn
// records into tensors (decode_raw, string_to_number, decode_csv,
// io::read_file), and train::string_input_producer, batch and shuffle_batch.
// Outside the umbrella header because a program without a pipeline should not
// compile it (docs/input_pipeline.md); it needs no other library.
#pragma once

#include "sessionlib.hpp"
#include "ops/queue.hpp"
#include "train/coordinator.hpp"
#include "train/queue_runner.hpp"
#include "ops/string.hpp"
#include "ops/reader.hpp"
#include "train/input.hpp"
