case é in é) echo e-acute;; esac
