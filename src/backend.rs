//! Choosing the device a run computes on. The CPU default is burn's flex backend, which measured
//! faster than ndarray (BENCHMARKS.md); ndarray stays selectable natively. wgpu runs on
//! Vulkan/Metal natively and on WebGPU in a browser.

use burn::tensor::Device;
#[cfg(all(feature = "wgpu", not(target_arch = "wasm32")))]
use burn::tensor::DeviceKind;

use crate::config::BackendChoice;

/// The CPU backend a plain `cpu` choice gets (see BENCHMARKS.md, "CPU backend").
pub const DEFAULT_CPU: BackendChoice = BackendChoice::Flex;

/// A device for a CPU backend choice (`cpu` = the default one).
pub fn cpu_device_for(choice: BackendChoice) -> Device {
    match choice {
        #[cfg(feature = "ndarray")]
        #[allow(deprecated)]
        BackendChoice::Ndarray => Device::ndarray(),
        BackendChoice::Flex => Device::flex(),
        _ => cpu_device_for(DEFAULT_CPU),
    }
}

/// The default CPU device.
pub fn cpu_device() -> Device {
    cpu_device_for(DEFAULT_CPU)
}

/// The backend's name as a person reads it.
pub fn describe(choice: BackendChoice) -> &'static str {
    match choice {
        BackendChoice::Ndarray => "CPU (burn ndarray)",
        BackendChoice::Flex => "CPU (burn flex)",
        BackendChoice::Cpu | BackendChoice::Auto => describe(DEFAULT_CPU),
        BackendChoice::Wgpu => "GPU (wgpu)",
    }
}

/// A native device for a choice; `auto` and `wgpu` try wgpu first. Returns the device, the
/// backend actually used, and why, when it differs from the request.
#[cfg(not(target_arch = "wasm32"))]
pub fn native_device(
    choice: BackendChoice,
) -> Result<(Device, BackendChoice, Option<String>), String> {
    match choice {
        BackendChoice::Wgpu | BackendChoice::Auto => match start_wgpu() {
            Ok(device) => Ok((device, BackendChoice::Wgpu, None)),
            Err(why) if choice == BackendChoice::Auto => Ok((
                cpu_device(),
                DEFAULT_CPU,
                Some(format!("{why}; using the CPU")),
            )),
            Err(why) => Err(format!(
                "{why}. Install a Vulkan driver (Debian: mesa-vulkan-drivers) or use --backend cpu"
            )),
        },
        #[cfg(not(feature = "ndarray"))]
        BackendChoice::Ndarray => Err(
            "this build has no ndarray backend: build with `--features ndarray` (on by default)"
                .into(),
        ),
        BackendChoice::Cpu => Ok((cpu_device(), DEFAULT_CPU, None)),
        other => Ok((cpu_device_for(other), other, None)),
    }
}

#[cfg(all(feature = "wgpu", not(target_arch = "wasm32")))]
fn start_wgpu() -> Result<Device, String> {
    match std::panic::catch_unwind(|| {
        Device::wgpu_options()
            .device_kind(DeviceKind::DefaultDevice)
            .init()
    }) {
        Ok(Ok(device)) => {
            dispatch_count::start();
            Ok(device)
        }
        Ok(Err(e)) => Err(format!("wgpu could not start: {e}")),
        Err(_) => Err("wgpu could not start: no usable adapter".into()),
    }
}

#[cfg(all(not(feature = "wgpu"), not(target_arch = "wasm32")))]
fn start_wgpu() -> Result<Device, String> {
    Err("this build has no wgpu backend (build with `--features wgpu`, on by default)".into())
}

/// GPU kernel launches since counting began, or `None` when nothing counts them (a build without
/// wgpu, or no wgpu device started yet). Counting starts with the first wgpu device and lasts for
/// the process: cubecl tells an observer of every launch, on the thread that issues it, before it
/// is submitted, so the count costs one atomic add per kernel and no synchronisation.
pub fn gpu_dispatches() -> Option<u64> {
    #[cfg(feature = "wgpu")]
    {
        dispatch_count::read()
    }
    #[cfg(not(feature = "wgpu"))]
    {
        None
    }
}

#[cfg(feature = "wgpu")]
pub(crate) mod dispatch_count {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, OnceLock};

    use cubecl_runtime::logging::{LaunchObservation, LaunchObserver};

    struct Counter(AtomicU64);

    impl LaunchObserver for Counter {
        fn launched(&self, _kernel: &'static str) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    static COUNTER: OnceLock<Arc<Counter>> = OnceLock::new();

    /// Starts counting (once; later calls do nothing).
    pub fn start() {
        COUNTER.get_or_init(|| {
            let counter = Arc::new(Counter(AtomicU64::new(0)));
            // Installed for the life of the process: the guard is never dropped.
            std::mem::forget(LaunchObservation::new(counter.clone()));
            counter
        });
    }

    pub fn read() -> Option<u64> {
        COUNTER.get().map(|c| c.0.load(Ordering::Relaxed))
    }
}
