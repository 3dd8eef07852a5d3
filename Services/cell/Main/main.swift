import CellService
import WorkcellRuntime

await ServiceCommand<CellService>.start()
