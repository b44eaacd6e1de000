"""Front-ends on top of the pipeline: matplotlib artist, plotly, the interactive viewer."""
