import PerceptionService
import WorkcellRuntime

await ServiceCommand<PerceptionService>.start()
