mkdir -p p/q; touch p/q/r; echo p/*/r
