// What the session tests include: the state ops, arithmetic, and the session
// with its callables, partial runs, default session, tracing and devices.
#pragma once

#include <doctest/doctest.h>

#include <sessionlib/ops/arithmetic.hpp>
#include <sessionlib/ops/state.hpp>
#include <sessionlib/session/callable.hpp>
#include <sessionlib/session/default_session.hpp>
#include <sessionlib/session/devices.hpp>
#include <sessionlib/session/partial_run.hpp>
#include <sessionlib/session/session.hpp>
#include <sessionlib/session/trace.hpp>

namespace sl = sessionlib;
