// Placeholder: this header is being written.
#pragma once
