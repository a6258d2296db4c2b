// CShim is header-only; this file exists so SwiftPM builds the C target.
#include "cshim.h"
