import PolicyService
import WorkcellRuntime

await ServiceCommand<PolicyService>.start()
