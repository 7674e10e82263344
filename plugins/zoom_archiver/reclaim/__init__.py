"""The reclaim (beside the pipeline): move to Zoom's trash only what is proven archived now; its proof, its record,
and one run's steps."""
