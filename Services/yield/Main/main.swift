import YieldService
import WorkcellRuntime

await ServiceCommand<YieldService>.start()
