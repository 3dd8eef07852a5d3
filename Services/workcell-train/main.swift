print("workcell-train: not yet written (issue #6)")
