break; echo still; continue; echo here
